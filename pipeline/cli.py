"""Command-line interface: parses flags and calls the library."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import __version__
from .errors import PipelineError


def command_build(args: argparse.Namespace) -> int:
    """Build the project's briefings and print a summary line."""
    from .build import build
    from .config import load_config

    config = load_config(args.project)
    report = build(config, args.slugs)
    for outcome in report.outcomes:
        for warning in outcome.warnings:
            print(f"warning: {outcome.slug}: {warning}", file=sys.stderr)
        if outcome.error:
            print(f"error: {outcome.slug}: {outcome.error}", file=sys.stderr)
    print(report.summary())
    return 0 if report.ok else 1


def command_config(args: argparse.Namespace) -> int:
    """List every setting with its value for the project and what it means."""
    from dataclasses import asdict

    from .config import describe_settings, load_config

    values = asdict(load_config(args.project))
    for name, default, doc in describe_settings():
        print(f"{name} = {values[name]!r}\n    {doc}" + ("" if values[name] == default else f" (default {default!r})"))
    return 0


def command_parse(args: argparse.Namespace) -> int:
    """Parse one source file and print its kind, warnings and segments (or JSON)."""
    import json

    from .ingest import ReadOptions, read_source
    from .ingest.show import format_source, source_to_dict

    source = read_source(args.file, ReadOptions(password=args.password))
    if args.json:
        print(json.dumps(source_to_dict(source), ensure_ascii=False, indent=1))
    else:
        print(format_source(source))
    return 0


def make_parser() -> argparse.ArgumentParser:
    """The `briefing` argument parser with one sub-command per action."""
    parser = argparse.ArgumentParser(prog="briefing", description="Turn talk sources into journal-ready briefing-note PDFs.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--project", type=Path, default=Path("."), help="project folder holding briefings.toml and inputs/ (default: current folder)")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    build = commands.add_parser("build", help="build the notes' HTML and PDF into outputs/", description="Build the notes' HTML and PDF into outputs/<slug>/.")
    build.add_argument("slugs", nargs="*", metavar="SLUG", help="briefings to build (default: all)")
    build.set_defaults(func=command_build)

    config = commands.add_parser("config", help="list every setting, its value and what it means", description="List every project setting with its current value and a one-line description.")
    config.set_defaults(func=command_config)

    parse = commands.add_parser("parse", help="show how one source file is read", description="Parse one source file (.pdf, .vtt, .srt, .txt, .md, .docx) and print its kind, warnings and segments with their provenance.")
    parse.add_argument("file", type=Path, metavar="FILE", help="the file to parse")
    parse.add_argument("--json", action="store_true", help="print the parsed source as JSON")
    parse.add_argument("--password", default=None, metavar="PW", help="password of an encrypted PDF")
    parse.set_defaults(func=command_parse)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `briefing` command."""
    args = make_parser().parse_args(argv)
    try:
        return args.func(args)
    except PipelineError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
