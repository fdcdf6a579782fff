"""Tests for pipeline.build: incremental rules, removal, state recovery, crash safety, locking, parallelism."""

from __future__ import annotations

import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import REPO, pdf_pages
from pipeline.build import build
from pipeline.config import load_config
from pipeline.errors import PipelineError
from pipeline.state import STATE_FORMAT, project_lock


def run(project: Path, **options):
    """Build the project; returns {slug: (status, stages)}."""
    report = build(load_config(project), **options)
    return {o.slug: (o.status, o.stages) for o in report.outcomes}, report


ALL = ("ingest", "extract", "note", "compose", "render")


def test_cold_build_then_noop(make_project):
    project = make_project("basic")
    result, report = run(project, jobs=1)
    assert result == {"alpha": ("built", ALL), "beta": ("built", ALL)}
    for slug in ("alpha", "beta"):
        for name in (f"{slug}.pdf", f"{slug}.html", "entities.json", "entities.csv"):
            assert (project / "outputs" / slug / name).is_file()
    assert report.summary().startswith("Built 2 notes (0 unchanged, 0 failed) in ")
    result, report = run(project, jobs=1)
    assert result == {"alpha": ("unchanged", ()), "beta": ("unchanged", ())}
    assert report.to_json()["unchanged"] == ["alpha", "beta"]


def test_manuscript_edit_rebuilds_that_briefing_only(make_project):
    project = make_project("basic")
    run(project, jobs=1)
    note = project / "inputs" / "alpha" / "note.md"
    note.write_text(note.read_text().replace("Training matters.", "Training matters most."))
    result, _ = run(project, jobs=1)
    assert result == {"alpha": ("built", ALL), "beta": ("unchanged", ())}
    assert "Training matters most." in (project / "outputs" / "alpha" / "alpha.html").read_text()


def test_template_edit_reruns_compose_and_render_not_ingest_or_extract(make_project):
    project = make_project("basic")
    run(project, jobs=1)
    override = project / "templates" / "casis"
    override.mkdir(parents=True)
    shutil.copy(REPO / "templates" / "casis" / "note.css", override / "note.css")
    with open(override / "note.css", "a") as css:
        css.write("\nh2 { letter-spacing: 0.5pt; }\n")
    result, _ = run(project, jobs=1)
    assert result == {"alpha": ("built", ("compose", "render")), "beta": ("built", ("compose", "render"))}


def test_setting_override_touches_only_that_briefing(make_project):
    project = make_project("basic")
    run(project, jobs=1)
    toml = project / "inputs" / "beta" / "briefing.toml"
    toml.write_text(toml.read_text().replace("The Overridden Journal", "Another Journal"))
    result, _ = run(project, jobs=1)
    assert result["alpha"] == ("unchanged", ())
    assert result["beta"][0] == "built" and "ingest" not in result["beta"][1]
    assert "Another Journal" in pdf_pages(project / "outputs" / "beta" / "beta.pdf")[0]


def test_added_and_removed_briefings(make_project):
    project = make_project("basic")
    run(project, jobs=1)
    shutil.copytree(project / "inputs" / "beta", project / "inputs" / "gamma")
    result, _ = run(project, jobs=1)
    assert result["gamma"][0] == "built" and result["alpha"][0] == result["beta"][0] == "unchanged"
    shutil.rmtree(project / "inputs" / "beta")
    result, report = run(project, jobs=1)
    assert result["beta"] == ("removed", ())
    assert not (project / "outputs" / "beta").exists()
    [trashed] = (project / "outputs" / ".trash" / "beta").iterdir()  # moved, not deleted
    assert pdf_pages(trashed / "beta.pdf")
    assert "1 removed to outputs/.trash" in report.summary()


def test_deleted_or_altered_output_is_rebuilt(make_project):
    project = make_project("basic")
    run(project, jobs=1)
    (project / "outputs" / "alpha" / "alpha.pdf").write_bytes(b"%PDF-1.7 damaged")
    (project / "outputs" / "beta" / "beta.html").unlink()
    result, _ = run(project, jobs=1)
    assert result["alpha"] == ("built", ("render",))
    assert result["beta"] == ("built", ())  # rewritten from the cache; nothing recomputed
    assert pdf_pages(project / "outputs" / "alpha" / "alpha.pdf")


def test_cached_and_uncached_builds_give_the_same_outputs(make_project):
    project = make_project("basic")
    run(project, jobs=1)
    first = {p.name: p.read_bytes() for p in (project / "outputs" / "alpha").iterdir()}
    result, _ = run(project, jobs=1, force=True)
    assert result["alpha"] == ("built", ALL)
    second = {p.name: p.read_bytes() for p in (project / "outputs" / "alpha").iterdir()}
    assert first.keys() == second.keys()
    for name in first:
        assert first[name] == second[name], name


@pytest.mark.parametrize("content", ["{not json", json.dumps({"format": STATE_FORMAT - 1, "briefings": {}})])
def test_corrupt_or_old_state_means_one_log_line_and_full_rebuild(make_project, caplog, content):
    project = make_project("basic")
    run(project, jobs=1)
    (project / "outputs" / ".state" / "state.json").write_text(content)
    with caplog.at_level(logging.WARNING, logger="pipeline.build"):
        result, _ = run(project, jobs=1)
    assert [r.message for r in caplog.records if "state" in r.message.lower()].__len__() == 1
    assert result == {"alpha": ("built", ALL), "beta": ("built", ALL)}


def test_failure_is_isolated_and_strict_fails_on_warnings(make_project):
    project = make_project("basic")
    (project / "inputs" / "beta" / "briefing.toml").write_text("title = ")
    result, report = run(project, jobs=1)
    assert result["alpha"][0] == "built" and result["beta"][0] == "failed"
    assert "beta/briefing.toml: not valid TOML" in report.to_json()["failed"][0]["error"]
    assert not report.ok
    note = project / "inputs" / "alpha" / "note.md"
    note.write_text(note.read_text() + "\n# APPENDIX\nNot a house-style section.\n")
    result, report = run(project, jobs=1)  # a final note with a heading outside the house style is refused
    assert result["alpha"][0] == "failed"
    assert "heading '# APPENDIX' is not a house-style heading" in report.to_json()["failed"][0]["error"]
    note.write_text("---\nstatus: draft\n---\n" + note.read_text())  # a draft keeps the text, with a warning
    result, report = run(project, jobs=1, strict=True)
    assert result["alpha"][0] == "failed"
    assert "with --strict" in report.to_json()["failed"][0]["error"]


def test_warnings_are_stored_and_replayed_so_strict_fails_from_the_cache(make_project):
    project = make_project("basic")
    note = project / "inputs" / "alpha" / "note.md"
    note.write_text("---\nstatus: draft\n---\n" + note.read_text().replace("## Presentation", "## Presentaton"))
    _, fresh = run(project, jobs=1)
    warned = {o.slug: o.warnings for o in fresh.outcomes}
    assert any("did you mean '## Presentation'" in w for w in warned["alpha"])
    result, again = run(project, jobs=1)  # a no-op build prints the same warnings again
    assert result["alpha"] == ("unchanged", ())
    assert {o.slug: o.warnings for o in again.outcomes} == warned
    result, strict = run(project, jobs=1, strict=True)  # and --strict fails from the cache as after --force
    assert result["alpha"][0] == "failed" and result["beta"][0] == "unchanged"
    result, forced = run(project, jobs=1, strict=True, force=True)
    assert result["alpha"][0] == "failed"
    assert strict.to_json()["failed"] == forced.to_json()["failed"]


def test_render_warnings_survive_a_build_that_reuses_the_pdf(make_project):
    from pipeline.state import load_state

    project = make_project("basic")
    run(project, jobs=1)
    state_dir = project / "outputs" / ".state"
    state = json.loads((state_dir / "state.json").read_text())
    state["briefings"]["alpha"]["render_warnings"] = ["a warning the renderer gave"]
    (state_dir / "state.json").write_text(json.dumps(state))
    (project / "outputs" / "alpha" / "alpha.html").unlink()  # rebuilt from the cache; the PDF is kept
    result, report = run(project, jobs=1)
    assert result["alpha"] == ("built", ())
    assert "a warning the renderer gave" in next(o for o in report.outcomes if o.slug == "alpha").warnings
    assert load_state(state_dir).briefings["alpha"].warnings == ["a warning the renderer gave"]


def test_parallel_build_matches_serial(make_project):
    project = make_project("basic")
    result, _ = run(project, jobs=2)
    assert {status for status, _ in result.values()} == {"built"}
    parallel = {p.name: p.read_bytes() for p in (project / "outputs" / "alpha").iterdir()}
    run(project, jobs=1, force=True)
    serial = {p.name: p.read_bytes() for p in (project / "outputs" / "alpha").iterdir()}
    assert parallel == serial


def briefing_command(project: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "pipeline", "--project", str(project), "build", *args]


def test_sigkill_mid_build_leaves_earlier_pdfs_intact(make_project):
    project = make_project("basic")
    for n in range(6):
        shutil.copytree(project / "inputs" / "alpha", project / "inputs" / f"copy{n}")
    run(project, jobs=1)
    before = {p: p.read_bytes() for p in (project / "outputs").glob("*/*.pdf")}
    for note in (project / "inputs").glob("*/note.md"):
        note.write_text(note.read_text().replace("Training matters.", "Training matters a great deal."))
    proc = subprocess.Popen(briefing_command(project, "--jobs", "1"), cwd=REPO, stderr=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:  # kill as soon as one PDF has been replaced
        if any(p.read_bytes() != old for p, old in before.items() if p.exists()):
            break
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    for pdf in before:
        assert pdf_pages(pdf), f"{pdf} is damaged"
    result, report = run(project, jobs=1)
    assert report.ok and all(status in ("built", "unchanged") for status, _ in result.values())
    assert not list((project / "outputs").rglob("*.tmp"))


def test_second_build_waits_for_the_lock(make_project):
    project = make_project("basic")
    with project_lock(project / "outputs" / ".state", notify=lambda m: None):
        proc = subprocess.Popen(briefing_command(project, "--jobs", "1"), cwd=REPO, stderr=subprocess.PIPE,
                                stdout=subprocess.PIPE, text=True)
        lines = []
        while proc.poll() is None and not lines:
            line = proc.stderr.readline()
            if line:
                lines.append(line)
        assert "waiting for another build of this project" in lines[0]
        assert f"pid {os.getpid()}" in lines[0]
    out, _ = proc.communicate(timeout=300)
    assert proc.returncode == 0 and "Built 2 notes" in out


def test_manuscript_edit_reparses_only_the_manuscript_and_runs_no_model(make_project):
    project = make_project("basic")
    (project / "inputs" / "alpha" / "transcript.txt").write_text(
        "Moderator: Welcome, everyone.\nDr. Ada Quill: Containers from China reach Manzanillo in Mexico.\n",
        encoding="utf-8")
    run(project, jobs=1)
    cache = project / "outputs" / ".state" / "cache"
    before = {kind: set((cache / kind).iterdir()) for kind in ("source", "mentions")}
    note = project / "inputs" / "alpha" / "note.md"
    note.write_text(note.read_text().replace("Training matters.", "Training matters more."))
    result, _ = run(project, jobs=1)
    assert result["alpha"] == ("built", ALL)
    added = {kind: set((cache / kind).iterdir()) - before[kind] for kind in ("source", "mentions")}
    assert len(added["source"]) == 1, added  # the manuscript's parse; the transcript's came from the cache
    # The manuscript's names are looked up (extract/known.py): the models read no source again.
    assert added["mentions"] == set(), added


def test_entities_output_matches_golden(make_project, golden):
    project = make_project("basic")
    run(project, jobs=1)
    golden("basic-alpha.entities.json", (project / "outputs" / "alpha" / "entities.json").read_text(encoding="utf-8"))


def encrypted_pdf(path: Path, text: str, password: str) -> None:
    """A one-page PDF with `text`, encrypted with a user password."""
    from pypdf import PdfReader, PdfWriter

    from pipeline.render import render_pdf

    plain = render_pdf(f"<p>{text}</p>", base_dir=path.parent, allowed_dirs=[]).pdf
    import io

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(plain)))
    writer.encrypt(user_password=password, owner_password=None, algorithm="AES-256")
    with open(path, "wb") as handle:
        writer.write(handle)


def test_source_password_from_briefing_toml(make_project):
    project = make_project("basic")
    folder = project / "inputs" / "alpha"
    encrypted_pdf(folder / "slides.pdf", "Ketamine seized in Vancouver.", "s3cret")
    toml = folder / "briefing.toml"
    original = toml.read_text()
    toml.write_text(original + '\n[[sources]]\npath = "slides.pdf"\n')
    _, report = run(project, jobs=1)
    alpha = next(o for o in report.outcomes if o.slug == "alpha")
    assert alpha.status == "built"
    assert any("slides.pdf" in w and "password" in w for w in alpha.warnings), alpha.warnings
    toml.write_text(original + '\n[[sources]]\npath = "slides.pdf"\npassword = "s3cret"\n')
    _, report = run(project, jobs=1)
    entities = json.loads((project / "outputs" / "alpha" / "entities.json").read_text())
    ketamine = next(e for e in entities["entities"] if e["id"] == "chem:ketamine")
    assert [(m["file"], m["page"]) for m in ketamine["mentions"]] == [("slides.pdf", 1)]


def test_failed_render_keeps_every_previous_output(make_project, monkeypatch):
    project = make_project("basic")
    run(project, jobs=1)
    out = project / "outputs" / "alpha"
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    note = project / "inputs" / "alpha" / "note.md"
    note.write_text(note.read_text().replace("Training matters.", "Training in Mexico matters."))

    def broken_render(*args, **kwargs):
        raise PipelineError("renderer exploded")

    import pipeline.render

    monkeypatch.setattr(pipeline.render, "render_pdf", broken_render)
    result, report = run(project, jobs=1)
    assert result["alpha"][0] == "failed" and "renderer exploded" in report.to_json()["failed"][0]["error"]
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


# ---- Hostile folders: the folder is the boundary ---------------------------------------------


def test_sources_linked_out_or_not_regular_are_left_out_with_a_warning(make_project, tmp_path):
    import pikepdf

    project = make_project("basic")
    secret = tmp_path / "secret.txt"
    secret.write_text("Moderator: The password is Xylophone-Kazakhstan.\n")
    alpha = project / "inputs" / "alpha"
    (alpha / "transcript.txt").symlink_to(secret)
    os.mkfifo(alpha / "slides.pdf")
    result, report = run(project, jobs=1)
    assert result["alpha"][0] == "built"
    [outcome] = [o for o in report.outcomes if o.slug == "alpha"]
    skipped = [w for w in outcome.warnings if w.startswith("skipped source")]
    assert any("transcript.txt: refused" in w and "outside the briefing folder" in w for w in skipped), skipped
    assert any("slides.pdf: refused: a FIFO" in w for w in skipped), skipped
    assert "Xylophone" not in (project / "outputs" / "alpha" / "entities.json").read_text()
    assert "KAZ" not in (project / "outputs" / "alpha" / "entities.json").read_text()
    with pikepdf.open(project / "outputs" / "alpha" / "alpha.pdf") as pdf:
        assert sorted(pdf.attachments) == ["briefing.toml", "entities.json", "note.md"]


def test_manuscript_or_briefing_toml_linked_out_or_fifo_fails_that_briefing_only(make_project, tmp_path):
    project = make_project("basic")
    for n in range(3):
        shutil.copytree(project / "inputs" / "alpha", project / "inputs" / f"hostile{n}")
    (tmp_path / "outside.md").write_text((project / "inputs" / "alpha" / "note.md").read_text())
    (project / "inputs" / "hostile0" / "note.md").unlink()
    (project / "inputs" / "hostile0" / "note.md").symlink_to(tmp_path / "outside.md")
    (project / "inputs" / "hostile1" / "note.md").unlink()
    os.mkfifo(project / "inputs" / "hostile1" / "note.md")
    (project / "inputs" / "hostile2" / "briefing.toml").unlink()
    os.mkfifo(project / "inputs" / "hostile2" / "briefing.toml")
    # In a subprocess with a time limit: a FIFO that were opened would block forever.
    proc = subprocess.run(briefing_command(project, "--jobs", "1"), cwd=REPO, capture_output=True, text=True,
                          timeout=600)
    assert proc.returncode == 1
    assert "Built 2 notes (0 unchanged, 3 failed)" in proc.stdout
    assert "hostile0/note.md: refused" in proc.stderr and "outside the briefing folder" in proc.stderr
    assert "hostile1/note.md: refused: a FIFO (named pipe)" in proc.stderr
    assert "hostile2/briefing.toml: refused: a FIFO (named pipe)" in proc.stderr
    assert not (project / "outputs" / "hostile0").exists()


def test_a_briefing_folder_linked_from_outside_inputs_is_refused(make_project, tmp_path):
    project = make_project("basic")
    shutil.copytree(project / "inputs" / "beta", tmp_path / "elsewhere")
    (project / "inputs" / "gamma").symlink_to(tmp_path / "elsewhere")
    result, report = run(project, jobs=1)
    assert result["gamma"][0] == "failed" and "refused: a link to" in report.to_json()["failed"][0]["error"]
    assert result["alpha"][0] == result["beta"][0] == "built"


def test_a_folder_name_that_is_not_utf8_fails_alone(make_project):
    project = make_project("basic")
    odd = os.fsencode(project / "inputs") + b"/caf\xe9"
    shutil.copytree(project / "inputs" / "alpha", os.fsdecode(odd))
    result, report = run(project, jobs=1)
    assert result["alpha"][0] == result["beta"][0] == "built"
    [failed] = report.to_json()["failed"]
    assert "not a usable slug" in failed["error"]


def test_crafted_state_slug_never_reaches_outside_outputs(make_project, caplog):
    from pipeline.build import remove_deleted
    from pipeline.state import BriefingState, State

    project = make_project("basic")
    run(project, jobs=1)
    canary = project / "canary"
    canary.mkdir()
    (canary / "keep.txt").write_text("alive")
    state_file = project / "outputs" / ".state" / "state.json"
    state = json.loads(state_file.read_text())
    state["briefings"]["../inputs"] = state["briefings"]["../canary"] = state["briefings"]["alpha"]
    state_file.write_text(json.dumps(state))
    with caplog.at_level(logging.WARNING, logger="pipeline.build"):
        result, report = run(project, jobs=1)
    assert report.ok and "is not a valid slug" in caplog.text
    assert (canary / "keep.txt").read_text() == "alive" and (project / "inputs" / "alpha" / "note.md").is_file()
    # Even a state that slipped past validation is checked again right before anything is moved.
    crafted = State({"../canary": BriefingState(), "../inputs": BriefingState()})
    outcomes = remove_deleted(crafted, set(), project / "outputs")
    assert [o.status for o in outcomes] == ["failed", "failed"]
    assert (canary / "keep.txt").read_text() == "alive" and (project / "inputs" / "alpha" / "note.md").is_file()


def test_an_output_folder_linked_out_is_never_written_through(make_project, tmp_path):
    project = make_project("basic")
    run(project, jobs=1)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    shutil.rmtree(project / "outputs" / "alpha")
    (project / "outputs" / "alpha").symlink_to(elsewhere)
    result, report = run(project, jobs=1)
    assert result["alpha"][0] == "failed" and "refused to remove or replace a path outside" in report.to_json()["failed"][0]["error"]
    assert list(elsewhere.iterdir()) == []


def test_a_source_whose_name_is_not_utf8_is_left_out_and_the_batch_goes_on(make_project):
    project = make_project("basic")
    folder = os.fsencode(project / "inputs" / "alpha")
    with open(folder + b"/talk\xff.txt", "wb") as handle:
        handle.write(b"Moderator: Welcome.\n")
    result, report = run(project, jobs=1)
    assert result["alpha"][0] == result["beta"][0] == "built"
    [outcome] = [o for o in report.outcomes if o.slug == "alpha"]
    assert any("file name is not valid UTF-8" in w for w in outcome.warnings)
    json.dumps(report.to_json())  # the report (and so --json) still serialises


@pytest.mark.parametrize("error", [28, 13])  # ENOSPC, EACCES
def test_disk_failure_while_writing_outputs_fails_that_briefing_and_keeps_its_outputs(make_project, fail_fsync, error):
    project = make_project("basic")
    run(project, jobs=1)
    out = project / "outputs" / "alpha"
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    state_before = (project / "outputs" / ".state" / "state.json").read_text()
    note = project / "inputs" / "alpha" / "note.md"
    note.write_text(note.read_text() + "\nA new closing paragraph.\n")
    fail_fsync(error, lambda path: f"{os.sep}alpha{os.sep}" in path and ".state" not in path)
    result, report = run(project, jobs=1)
    outcome = next(o for o in report.outcomes if o.slug == "alpha")
    assert outcome.status == "failed"
    assert outcome.error.startswith(str(out) + os.sep) and outcome.error.endswith(": " + os.strerror(error))
    assert "\n" not in outcome.error
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before  # every previous output, no temporaries
    state = json.loads((project / "outputs" / ".state" / "state.json").read_text())
    assert state["briefings"]["alpha"] == json.loads(state_before)["briefings"]["alpha"]


def test_full_disk_while_saving_state_ends_the_command_with_one_line(make_project, fail_fsync, capsys):
    from pipeline.cli import main

    project = make_project("basic")
    run(project, jobs=1)
    state_file = project / "outputs" / ".state" / "state.json"
    before = state_file.read_text()
    (project / "inputs" / "beta" / "note.md").write_text((project / "inputs" / "beta" / "note.md").read_text() + "\nMore.\n")
    fail_fsync(28, lambda path: path.endswith(".tmp") and "state.json" in path)
    assert main(["--project", str(project), "build", "--jobs", "1"]) == 1
    err = capsys.readouterr().err
    assert err == f"error: {state_file}: No space left on device\n"
    assert state_file.read_text() == before


def _mount_tmpfs(path: Path, size: str) -> None:
    """Mount a small tmpfs at path, or skip the test where that is not allowed."""
    path.mkdir()
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
                                           capture_output=True).returncode:
        pytest.skip("mounting a tmpfs needs root (or is not allowed here)")


def test_real_full_and_read_only_disk(make_project, tmp_path, capsys):
    from pipeline.cli import main

    project = make_project("basic")
    disk = tmp_path / "disk"
    _mount_tmpfs(disk, "20m")
    try:
        with open(project / "briefings.toml", "a") as handle:
            handle.write(f'outputs_dir = "{disk / "out"}"\n')
        assert main(["--project", str(project), "build", "--jobs", "1"]) == 0
        capsys.readouterr()
        before = {p: p.read_bytes() for p in (disk / "out").rglob("*") if p.is_file() and "cache" not in p.parts}
        note = project / "inputs" / "alpha" / "note.md"
        note.write_text(note.read_text() + "\nA new closing paragraph.\n")
        free = os.statvfs(disk).f_bavail * os.statvfs(disk).f_frsize
        (disk / "filler").write_bytes(b"\0" * (free - 8192))  # leave two pages: too little for a PDF
        status = main(["--project", str(project), "build", "--jobs", "1"])
        err = capsys.readouterr().err
        assert status == 1 and "No space left on device" in err and "Traceback" not in err
        after = {p: p.read_bytes() for p in (disk / "out").rglob("*") if p.is_file() and "cache" not in p.parts}
        assert {p: b for p, b in after.items() if p.name != "lock"} == {p: b for p, b in before.items() if p.name != "lock"}
        (disk / "filler").unlink()
        subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True)
        assert main(["--project", str(project), "build", "--jobs", "1"]) == 1
        assert capsys.readouterr().err == f"error: {disk / 'out' / '.state' / 'lock'}: Read-only file system\n"
    finally:
        subprocess.run(["umount", str(disk)], capture_output=True)


def test_every_stage_code_path_exists():
    """The code fingerprint skips a missing path silently, so a renamed module (compose.py became the
    compose/ package) would stop rerunning its stage when edited."""
    from pipeline.plan import PACKAGE, STAGE_CODE

    missing = [f"{stage}: {part}" for stage, parts in STAGE_CODE.items() for part in parts if not (PACKAGE / part).exists()]
    assert not missing
    assert "compose" in STAGE_CODE["compose"] and (PACKAGE / "compose" / "typography.py").is_file()
