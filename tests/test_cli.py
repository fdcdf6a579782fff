"""Tests for pipeline.cli: sub-commands, help, exit statuses and error lines."""

from __future__ import annotations

import subprocess
import sys

import pytest

from pipeline.cli import main, make_parser


def test_every_subcommand_has_help(capsys):
    parser = make_parser()
    commands = parser._subparsers._group_actions[0].choices
    assert "build" in commands
    for name in commands:
        with pytest.raises(SystemExit) as info:
            main([name, "--help"])
        assert info.value.code == 0
        assert "usage: briefing " + name in capsys.readouterr().out


def test_broken_briefing_reported_others_built(make_project, capsys):
    project = make_project("broken")
    status = main(["--project", str(project), "build"])
    captured = capsys.readouterr()
    assert status == 1
    assert (project / "outputs" / "good" / "good.pdf").is_file()
    assert "badtoml/briefing.toml: not valid TOML" in captured.err
    assert "notitle/briefing.toml: missing field 'title'" in captured.err
    assert "Built 1 note (0 unchanged, 2 failed)" in captured.out


def test_python_dash_m_runs(tmp_path):
    result = subprocess.run([sys.executable, "-m", "pipeline", "--help"], capture_output=True, text=True)
    assert result.returncode == 0 and "build" in result.stdout


def test_config_command_lists_settings(capsys):
    assert main(["config"]) == 0
    out = capsys.readouterr().out
    assert "licence_url" in out and "creativecommons.org" in out


def test_missing_inputs_folder_is_an_error_and_creates_nothing(tmp_path, capsys):
    project = tmp_path / "typo"
    assert main(["--project", str(project), "build"]) == 2
    assert "typo/inputs: no such folder" in capsys.readouterr().err
    assert not project.exists()


def test_entities_command_on_a_file_and_on_a_briefing(make_project, capsys):
    import json

    project = make_project("basic")
    alpha = project / "inputs" / "alpha"
    (alpha / "transcript.txt").write_text("Dr. Ada Quill: Containers reach Manzanillo from China.\n", encoding="utf-8")
    assert main(["--project", str(project), "entities", str(alpha / "transcript.txt"), "--json"]) == 0
    ids = {e["id"]: e for e in json.loads(capsys.readouterr().out)["entities"]}
    assert "CHN" in ids and ids["CHN"]["mentions"][0]["file"] == "transcript.txt"
    assert ids["CHN"]["mentions"][0]["speaker"] == "Dr. Ada Quill"
    assert main(["--project", str(project), "entities", str(alpha)]) == 0
    listing = capsys.readouterr().out
    assert "COUNTRY" in listing and "CHN" in listing and "note.md" in listing and "transcript.txt" in listing


def test_operating_system_failure_is_one_line_without_traceback(monkeypatch, tmp_path, capsys):
    import errno

    import pipeline.cli as cli

    def refuse(args):
        raise OSError(errno.EROFS, "Read-only file system", str(tmp_path / "outputs" / "x.pdf"))

    monkeypatch.setattr(cli, "command_config", refuse)
    assert main(["--project", str(tmp_path), "config"]) == 1
    assert capsys.readouterr().err == f"error: {tmp_path / 'outputs' / 'x.pdf'}: Read-only file system\n"


def test_search_query_is_bounded_before_touching_the_catalog(tmp_path, capsys):
    (tmp_path / "inputs").mkdir()
    assert main(["--project", str(tmp_path), "search", "x" * 100_000]) == 2
    err = capsys.readouterr().err
    assert err == "error: search: the query has 100,000 characters; the limit is 200 (search for a name, an id, a CAS number or a few words)\n"
    assert main(["--project", str(tmp_path), "search", *["w"] * 50]) == 2
    assert "the query has 50 words; the limit is 12" in capsys.readouterr().err
    assert not (tmp_path / "outputs").exists()


@pytest.mark.parametrize("issue, expected", [
    ("99999999999999999999999:1", "--issue: the volume must be from 1 to 9999, found 99999999999999999999…"),
    ("8:" + "9" * 5000, "--issue: the issue must be from 1 to 9999, found 99999999999999999999…"),
    ("0:1", "--issue: the volume must be from 1 to 9999, found 0"),
    ("-1:1", "--issue: expected VOLUME:ISSUE such as 8:1, found '-1:1'"),
])
def test_archive_issue_numbers_of_any_size(tmp_path, capsys, issue, expected):
    (tmp_path / "inputs").mkdir()
    assert main(["--project", str(tmp_path), "archive", "--out", str(tmp_path / "bag"), f"--issue={issue}"]) == 2
    assert capsys.readouterr().err == f"error: {expected}\n"


def test_build_on_an_unreachable_dask_scheduler_fails_before_any_work(make_project, capsys, monkeypatch):
    pytest.importorskip("distributed")
    import socket

    with socket.socket() as probe:  # a loopback port nothing listens on
        probe.bind(("127.0.0.1", 0))
        address = f"tcp://127.0.0.1:{probe.getsockname()[1]}"
    monkeypatch.setattr("pipeline.executors.CONNECT_SECONDS", 1)
    project = make_project("basic")
    assert main(["--project", str(project), "build", "--dask", address]) == 2
    assert f"error: cannot reach the Dask scheduler at {address}" in capsys.readouterr().err
    assert not (project / "outputs").exists()
