"""Command-line interface: parses flags and calls the library."""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import sys
from pathlib import Path

from . import __version__
from .errors import PipelineError, describe_os_error


def print_report(report, as_json: bool = False) -> None:
    """Notices, warnings and errors on stderr, then the summary line (or the JSON report) on stdout."""
    from .console import print_outcomes

    print_outcomes(report.outcomes)
    print(json.dumps(report.to_json(), indent=1) if as_json else report.summary())


def command_build(args: argparse.Namespace) -> int:
    """Build the project's briefings and print a summary line."""
    from .build import build
    from .config import load_config
    from .console import Progress

    config = load_config(args.project)
    with Progress() as progress:  # a bar on a terminal; nothing when piped or with --json
        report = build(config, args.slugs, force=args.force, jobs=args.jobs, strict=args.strict,
                       progress=progress if sys.stderr.isatty() and not args.json else None, dask_address=args.dask)
    print_report(report, args.json)
    return 0 if report.ok else 1


def command_watch(args: argparse.Namespace) -> int:
    """Build, then rebuild on every save until interrupted, saying which notes each rebuild touched."""
    from .config import load_config
    from .watch import RebuildPrinter, watch

    config = load_config(args.project)
    printer = RebuildPrinter(config)
    print("Watching for changes; press Ctrl-C to stop.", file=sys.stderr)
    watch(config, on_report=printer.on_report, interval=args.interval, on_changes=printer.on_changes,
          reload=lambda: load_config(args.project))
    return 0


def command_serve(args: argparse.Namespace) -> int:
    """Serve a live preview of the notes on a local web server until interrupted."""
    from .config import load_config
    from .serve import serve

    serve(load_config(args.project), host=args.host, port=args.port, open_browser=args.open)
    return 0


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
    from .config import load_config
    from .ingest import read_options, read_source
    from .ingest.show import format_source, source_to_dict

    source = read_source(args.file, read_options(load_config(args.project), args.password))
    if args.json:
        print(json.dumps(source_to_dict(source), ensure_ascii=False, indent=1))
    else:
        print(format_source(source))
    return 0


def command_entities(args: argparse.Namespace) -> int:
    """Extract the entities of one source file or of every source of a briefing folder."""
    from .config import load_briefing, load_config
    from .extract import entities_to_json, extract_entities
    from .ingest import ingest_briefing, list_sources, read_options, read_source
    from .models import SourceSpec

    config = load_config(args.project)
    if args.path.is_dir():
        briefing, config = load_briefing(args.path, config)
        spec = SourceSpec(briefing.manuscript) if briefing.manuscript else None
        manuscript, sources, warnings = ingest_briefing(briefing, spec, list_sources(briefing), config)
        speakers = [briefing.speaker]
    else:
        manuscript, sources, warnings, speakers = None, [read_source(args.path, read_options(config))], [], []
    for warning in warnings:
        print(f"warning: {warning}", file=sys.stderr)
    entities = extract_entities(sources, manuscript=manuscript, speakers=speakers)
    if args.json:
        print(json.dumps(entities_to_json(entities), ensure_ascii=False, indent=1))
        return 0
    for entity in entities:
        extra = f"  CAS {entity.cas}" if entity.cas else ""
        print(f"{entity.type:<9} {entity.subtype:<18} {entity.id:<28} {entity.name}  ×{entity.count}{extra}")
        for mention in entity.mentions:
            where = f"p. {mention.page}" if mention.page else (f"{mention.start:.1f} s" if mention.start is not None else "")
            speaker = f" ({mention.speaker})" if mention.speaker else ""
            print(f"    {mention.file} {where}{speaker}: {mention.text!r}")
    return 0


def command_check(args: argparse.Namespace) -> int:
    """Check inputs and built PDFs; list findings (file: problem) and exit 1 when any."""
    from .archive.check import check_project
    from .config import load_config

    report = check_project(load_config(args.project), args.slugs)
    if args.json:
        print(json.dumps(report.as_dict(), ensure_ascii=False, indent=1))
    else:
        for finding in report.findings:
            print(f"{finding.slug}: {finding}")
        print(report.summary())
    return 0 if report.ok else 1


def command_archive(args: argparse.Namespace) -> int:
    """Package the final briefings as a validated BagIt bag and say what was left out."""
    from .archive.bag import make_bag, parse_issue
    from .config import load_config

    issue = parse_issue(args.issue) if args.issue else None
    report = make_bag(load_config(args.project), args.out, issue, check=not args.no_check,
                      allow_warnings=args.allow_warnings)
    for slug, reason in report.left_out:
        label = "refused" if slug in report.refused else "left out"
        print(f"{label}: {slug}: {reason}", file=sys.stderr)
    print(f"Archived {len(report.included)} briefing(s) in {report.path} (bag valid; {len(report.left_out)} left out)")
    return 1 if report.refused else 0


def command_verify(args: argparse.Namespace) -> int:
    """Re-validate a deposited bag; name each missing, extra or damaged file and exit 1 when any."""
    from .archive.verify import verify_bag

    report = verify_bag(args.bag)
    for name, problem in report.problems:
        print(f"{args.bag / name if name != '(bag)' else args.bag}: {problem}", file=sys.stderr)
    print(report.summary())
    return 0 if report.ok else 1


def command_export(args: argparse.Namespace) -> int:
    """Write JATS files for notes, or a Crossref deposit for an issue; name what was left out."""
    from .config import load_config

    config = load_config(args.project)
    if args.format == "jats":
        from .export.jats import export_jats

        report = export_jats(config, args.slugs)
        for slug, reason in report.skipped:
            print(f"skipped: {slug}: {reason}", file=sys.stderr)
        for slug, error in report.failed:
            print(f"error: {slug}: {error}", file=sys.stderr)
        checked = "validated against JATS 1.3" if report.validated else "NOT validated: no schemas folder (set schemas_dir)"
        print(f"Exported {len(report.written)} JATS file(s) ({checked}; {len(report.skipped)} skipped, {len(report.failed)} failed)")
        return 0 if report.ok else 1
    from .archive.bag import parse_issue
    from .export.crossref import export_crossref

    deposit = export_crossref(config, parse_issue(args.issue), args.out, args.batch_id, args.timestamp)
    for slug, reason in deposit.left_out:
        print(f"left out: {slug}: {reason}", file=sys.stderr)
    checked = "validated against Crossref 5.3.1" if deposit.validated else "NOT validated: no schemas folder (set schemas_dir)"
    print(f"Deposit {deposit.path} registers {len(deposit.included)} note(s) ({checked}; {len(deposit.left_out)} left out)")
    return 0


def command_search(args: argparse.Namespace) -> int:
    """Search the catalog of built notes for text and entities (exit 1 when nothing matches)."""
    from .archive.catalog import check_query, format_result, refresh_catalog, search
    from .config import load_config

    query = check_query(" ".join(args.text))  # before refreshing the catalog: a bad query is refused at once
    result = search(refresh_catalog(load_config(args.project)), query)
    print(json.dumps(result.as_dict(), ensure_ascii=False, indent=1) if args.json else format_result(result))
    return 0 if (result.notes or result.entities) else 1


def command_draft(args: argparse.Namespace) -> int:
    """Draft a briefing's manuscript from its transcript and slides, for the editor to correct."""
    from .config import load_config
    from .draft import write_draft

    result = write_draft(load_config(args.project), args.slug, force=args.force)
    for warning in result.warnings:
        print(f"warning: {args.slug}: {warning}", file=sys.stderr)
    traced = result.trace.coverage()
    print(f"Drafted {result.manuscript} ({len(result.trace.sentences)} sentences, {traced:.0%} traced to their sources in {result.trace_file.name})")
    return 0


def command_new(args: argparse.Namespace) -> int:
    """Scaffold a new briefing folder that builds at once as a draft."""
    from .config import load_config
    from .scaffold import NewBriefing, new_briefing

    given = {name: getattr(args, name) for name in ("title", "speaker", "event", "date", "author", "volume", "issue")
             if getattr(args, name) is not None}
    folder = new_briefing(load_config(args.project), NewBriefing(args.slug, **given))
    print(f"Created {folder}/briefing.toml and note.md (status: draft); edit them, then `briefing build {args.slug}`")
    return 0


def _date(text: str):
    """An ISO date for argparse (`2026-11-14`)."""
    import datetime as dt

    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date such as 2026-11-14, found {text!r}") from None


def make_parser() -> argparse.ArgumentParser:
    """The `briefing` argument parser with one sub-command per action."""
    parser = argparse.ArgumentParser(prog="briefing", description="Turn talk sources into journal-ready briefing-note PDFs.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--project", type=Path, default=Path("."), help="project folder holding briefings.toml and inputs/ (default: current folder)")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    build = commands.add_parser("build", help="build the notes' HTML and PDF into outputs/", description="Build the notes' HTML and PDF into outputs/<slug>/.")
    build.add_argument("slugs", nargs="*", metavar="SLUG", help="briefings to build (default: all)")
    build.add_argument("--jobs", "-j", type=int, default=None, metavar="N", help="worker processes (default: one per core)")
    build.add_argument("--force", action="store_true", help="rebuild everything, ignoring the build state")
    build.add_argument("--strict", action="store_true", help="treat warnings as failures")
    build.add_argument("--json", action="store_true", help="print the report as JSON")
    build.add_argument("--dask", metavar="ADDRESS", help="run the briefings on the Dask cluster whose scheduler is at "
                       "ADDRESS (tcp://HOST:8786); state, cache and outputs stay here (needs pip install '.[dask]')")
    build.set_defaults(func=command_build)

    new = commands.add_parser("new", help="start a briefing: briefing.toml and a house-style note.md",
                              description="Create inputs/SLUG/ with a commented briefing.toml and a note.md holding every house-style heading with placeholder text; it builds at once as a draft.")
    new.add_argument("slug", metavar="SLUG", help="folder name: lower-case letters, digits and hyphens")
    new.add_argument("--title", help="the talk's title")
    new.add_argument("--speaker", help='the speaker with honorific, e.g. "Dr. Amara Okafor"')
    new.add_argument("--event", help="the event the talk was given at")
    new.add_argument("--date", type=_date, help="the talk's date, e.g. 2026-11-14 (default: today)")
    new.add_argument("--author", help="the rapporteur, on the (c) line")
    new.add_argument("--volume", type=int, help="journal volume (default 1)")
    new.add_argument("--issue", type=int, help="journal issue (default 1)")
    new.set_defaults(func=command_new)

    draft = commands.add_parser("draft", help="draft a note from the transcript for editing", description="Write inputs/<slug>/note.md (status: draft) in the house-style sections, drafted from the transcript and slides, and note.draft.json tracing every sentence to its source. An existing manuscript is kept unless --force.")
    draft.add_argument("slug", metavar="SLUG", help="the briefing to draft")
    draft.add_argument("--force", action="store_true", help="overwrite an existing manuscript (the editor's changes are lost)")
    draft.set_defaults(func=command_draft)

    watch = commands.add_parser("watch", help="rebuild on every save", description="Build, then rebuild whatever a saved change affects, until Ctrl-C.")
    watch.add_argument("--interval", type=float, default=0.5, help="seconds between checks for Ctrl-C and stops (default 0.5); changes are seen at once (inotify)")
    watch.set_defaults(func=command_watch)

    serve = commands.add_parser("serve", help="preview the notes in the browser, reloading on every save",
                                description="Build, then serve a live preview of the notes (index, each note with its entities and warnings) that rebuilds and reloads on every save, until Ctrl-C.")
    serve.add_argument("--port", type=int, default=8000, metavar="N", help="port to listen on (default 8000; 0 picks a free one)")
    serve.add_argument("--host", default="127.0.0.1", metavar="H", help="address to listen on (default 127.0.0.1: this machine only)")
    serve.add_argument("--open", action="store_true", help="open the index in the web browser")
    serve.set_defaults(func=command_serve)

    entities = commands.add_parser("entities", help="list the countries, actors and chemicals of a source or briefing",
                                   description="Extract countries, regions, actors and chemicals from one source file or a briefing folder, with every mention.")
    entities.add_argument("path", type=Path, metavar="PATH", help="a source file or a briefing folder")
    entities.add_argument("--json", action="store_true", help='print {"entities": [...]} as JSON')
    entities.set_defaults(func=command_entities)

    config = commands.add_parser("config", help="list every setting, its value and what it means", description="List every project setting with its current value and a one-line description.")
    config.set_defaults(func=command_config)

    parse = commands.add_parser("parse", help="show how one source file is read", description="Parse one source file (.pdf, .vtt, .srt, .txt, .md, .docx) and print its kind, warnings and segments with their provenance.")
    parse.add_argument("file", type=Path, metavar="FILE", help="the file to parse")
    parse.add_argument("--json", action="store_true", help="print the parsed source as JSON")
    parse.add_argument("--password", default=None, metavar="PW", help="password of an encrypted PDF")
    parse.set_defaults(func=command_parse)

    check = commands.add_parser("check", help="validate inputs and built PDFs", description="Validate briefing inputs (fields, sections, licence) and built PDFs (parsing, fonts, PDF/A, licence text, links, attachments). Exit 1 with findings.")
    check.add_argument("slugs", nargs="*", metavar="SLUG", help="briefings to check (default: all)")
    check.add_argument("--json", action="store_true", help="print the findings as JSON")
    check.set_defaults(func=command_check)

    archive = commands.add_parser("archive", help="package final notes as a BagIt bag", description="Package the final briefings' PDFs, HTML and entity data as a validated BagIt bag with SHA-256 manifests and a catalog.")
    archive.add_argument("--out", type=Path, required=True, metavar="DIR", help="new folder to write the bag to")
    archive.add_argument("--issue", metavar="VOLUME:ISSUE", help="only this issue, e.g. 8:1")
    archive.add_argument("--no-check", action="store_true", help="package final notes even when `briefing check` finds problems")
    archive.add_argument("--allow-warnings", action="store_true", help="package final notes even when their last build gave warnings")
    archive.set_defaults(func=command_archive)

    verify = commands.add_parser("verify", help="re-validate a deposited bag", description="Re-validate a BagIt bag written by `briefing archive`: every manifest file present, no unlisted file, every checksum unchanged. Names each damaged or missing file; exit 1 when any.")
    verify.add_argument("bag", type=Path, metavar="DIR", help="the bag folder")
    verify.set_defaults(func=command_verify)

    export = commands.add_parser("export", help="write JATS XML of notes or a Crossref deposit of an issue",
                                 description="Write journal metadata of the final notes: JATS 1.3 per note, or a Crossref deposit per issue.")
    formats = export.add_subparsers(dest="format", required=True, metavar="FORMAT")
    jats = formats.add_parser("jats", help="write outputs/<slug>/<slug>.jats.xml", description="Write outputs/<slug>/<slug>.jats.xml (JATS 1.3 Journal Publishing) for the named notes, or every final one; each is validated against the schema when the schemas folder is found.")
    jats.add_argument("slugs", nargs="*", metavar="SLUG", help="notes to export (default: every final note)")
    crossref = formats.add_parser("crossref", help="write a Crossref deposit for one issue", description="Write a Crossref 5.3.1 deposit registering the DOIs of one issue's final notes; notes without a DOI number are named and left out.")
    crossref.add_argument("--issue", required=True, metavar="VOLUME:ISSUE", help="the issue, e.g. 8:1")
    crossref.add_argument("--out", type=Path, required=True, metavar="FILE", help="the deposit file to write")
    crossref.add_argument("--batch-id", default=None, metavar="ID", help="doi_batch_id (default: journal id, issue and timestamp)")
    crossref.add_argument("--timestamp", type=int, default=None, metavar="N", help="deposit timestamp, YYYYMMDDhhmmss (default: from the notes' dates; a re-deposit needs a larger one)")
    export.set_defaults(func=command_export)

    search = commands.add_parser("search", help="search built notes and their entities", description="Search the catalog (outputs/catalog.sqlite, refreshed first) for notes and entity mentions, with note pages.")
    search.add_argument("text", nargs="+", metavar="TEXT", help="words, a name, an id or a CAS number")
    search.add_argument("--json", action="store_true", help="print the results as JSON")
    search.set_defaults(func=command_search)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `briefing` command."""
    args = make_parser().parse_args(argv)
    try:
        return args.func(args)
    except PipelineError as exc:
        from .console import say

        say("error", str(exc))
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (`briefing parse … | head`): silence the flush at exit, no traceback.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except OSError as exc:  # disk full, permission denied, read-only folder: the path and the reason, no traceback
        print(f"error: {describe_os_error(exc)}", file=sys.stderr)
        return 1
    except sqlite3.Error as exc:  # the catalog's database: full disk, read-only or damaged
        print(f"error: {exc.__class__.__name__}: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
