"""Run the `briefing` command: `python -m pipeline`."""

import sys

from .cli import main

sys.exit(main())
