"""Tests for pipeline.config: defaults, overrides and every problem reported at once."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

from pipeline.config import Config, describe_settings, find_briefings, load_briefing, load_config
from pipeline.errors import ConfigError


def test_defaults_when_project_file_absent(tmp_path):
    config = load_config(tmp_path)
    assert config.journal == Config().journal
    assert config.root == tmp_path.resolve()


def test_every_setting_is_documented():
    described = describe_settings()
    assert {name for name, _, _ in described} == set(Config.__dataclass_fields__) - {"root"}
    for name, _, doc in described:
        assert doc and "\n" not in doc, f"setting {name} needs a one-line docstring"


def test_project_settings_and_briefing_override(make_project):
    project = make_project("basic")
    config = load_config(project)
    assert config.journal == "The Test Journal of Security"
    alpha, alpha_config = load_briefing(project / "inputs" / "alpha", config)
    beta, beta_config = load_briefing(project / "inputs" / "beta", config)
    assert alpha.date == dt.date(2026, 3, 2) and alpha.year == 2027 and alpha.manuscript.name == "note.md"
    assert beta.year == 2026
    assert alpha_config.journal == "The Test Journal of Security"
    assert beta_config.journal == "The Overridden Journal"
    assert [p.name for p in find_briefings(config)] == ["alpha", "beta"]


def test_all_problems_reported_together(tmp_path):
    (tmp_path / "briefings.toml").write_text('jurnal = "x"\nmax_pages = "many"\npdf_variant = "pdf/a-1b"\n')
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path)
    message = str(info.value)
    assert "unknown setting 'jurnal'" in message
    assert "'max_pages'" in message and "expected int" in message
    assert "pdf/a-1b" in message
    assert message.count("briefings.toml") == 3


def test_briefing_missing_and_mistyped_fields_named(make_project):
    project = make_project("broken")
    with pytest.raises(ConfigError) as info:
        load_briefing(project / "inputs" / "notitle", load_config(project))
    message = str(info.value)
    assert "notitle/briefing.toml: missing field 'title'" in message
    assert "field 'volume': expected the journal volume (integer), found 'four'" in message


def test_bad_toml_names_file_and_line(make_project):
    project = make_project("broken")
    with pytest.raises(ConfigError) as info:
        load_briefing(project / "inputs" / "badtoml", load_config(project))
    assert "badtoml/briefing.toml: not valid TOML" in str(info.value)
    assert "line 1" in str(info.value)


def test_source_outside_briefing_folder_refused(tmp_path):
    folder = tmp_path / "inputs" / "x"
    folder.mkdir(parents=True)
    (tmp_path / "secret.txt").write_text("x")
    (folder / "briefing.toml").write_text(
        'title="t"\nspeaker="s"\nevent="e"\ndate=2026-01-01\nauthor="a"\nvolume=1\nissue=1\n'
        '[[sources]]\npath="../../secret.txt"\n'
    )
    with pytest.raises(ConfigError, match="outside the briefing folder"):
        load_briefing(folder, load_config(tmp_path))


def test_briefing_may_not_set_paths_jobs_or_limits_and_every_refusal_is_named(make_project):
    project = make_project("basic")
    toml = project / "inputs" / "beta" / "briefing.toml"
    toml.write_text(toml.read_text() + 'templates_dir = "."\noutputs_dir = "/tmp"\njobs = 8\nmax_pages = 99999\n'
                    'page_size = "A4"\nstyle = "../../x"\n')
    with pytest.raises(ConfigError) as info:
        load_briefing(project / "inputs" / "beta", load_config(project))
    message = str(info.value)
    for name in ("templates_dir", "outputs_dir", "jobs", "max_pages"):
        assert f"setting '{name}' can only be set for the whole project" in message
    assert "setting 'style': expected the name of a folder" in message
    assert "setting 'page_size'" not in message  # the note's appearance is the briefing's to choose
    assert len(message.splitlines()) == 5


def test_briefing_toml_that_is_a_fifo_or_links_out_fails_at_once(make_project, tmp_path):
    project = make_project("basic")
    config = load_config(project)
    toml = project / "inputs" / "beta" / "briefing.toml"
    toml.unlink()
    os.mkfifo(toml)
    with pytest.raises(ConfigError, match=r"briefing.toml: refused: a FIFO \(named pipe\), not a regular file"):
        load_briefing(project / "inputs" / "beta", config)
    toml.unlink()
    (tmp_path / "outside.toml").write_text((project / "inputs" / "alpha" / "briefing.toml").read_text())
    toml.symlink_to(tmp_path / "outside.toml")
    with pytest.raises(ConfigError, match="outside the briefing folder"):
        load_briefing(project / "inputs" / "beta", config)


def test_names_with_nul_or_leading_out_are_problems_not_crashes(make_project):
    project = make_project("basic")
    toml = project / "inputs" / "beta" / "briefing.toml"
    text = toml.read_text().replace("[settings]", 'manuscript = "note\\u0000.md"\n\n[[sources]]\npath = "../alpha/note.md"\n\n'
                                    '[[sources]]\npath = "a\\u0000b.txt"\n\n[settings]')
    toml.write_text(text)
    with pytest.raises(ConfigError) as info:
        load_briefing(project / "inputs" / "beta", load_config(project))
    message = str(info.value)
    assert "field 'manuscript'" in message
    assert "sources #1: '../alpha/note.md' is outside the briefing folder" in message
    assert "sources #2" in message


def test_a_manuscript_that_is_a_fifo_is_found_so_that_reading_it_fails(make_project):
    project = make_project("basic")
    note = project / "inputs" / "beta" / "note.md"
    note.unlink()
    os.mkfifo(note)
    briefing, _ = load_briefing(project / "inputs" / "beta", load_config(project))
    assert briefing.manuscript == note  # not silently skipped (which would draft the note without it)

@pytest.mark.parametrize("variant", ["pdf/a-3b", "pdf/a-3u", "pdf/a-3a", "pdf/ua-1"])
def test_pdf_variants_accepted(tmp_path, variant):
    (tmp_path / "briefings.toml").write_text(f'pdf_variant = "{variant}"\n')
    assert load_config(tmp_path).pdf_variant == variant
    assert Config().pdf_variant == "pdf/a-3a"  # the default: PDF/A-3 and tagged


def test_briefing_number_doi_and_publication_date(make_project):
    project = make_project("basic")
    toml = project / "inputs" / "alpha" / "briefing.toml"
    toml.write_text('number = 17\ndoi = "10.5555/x.17"\npublished = 2027-02-01\n' + toml.read_text())
    briefing, _ = load_briefing(project / "inputs" / "alpha", load_config(project))
    assert (briefing.number, briefing.doi, briefing.published.isoformat()) == (17, "10.5555/x.17", "2027-02-01")
    toml.write_text('number = "seventeen"\n' + toml.read_text().split("\n", 3)[3])
    with pytest.raises(ConfigError, match="field 'number': expected the article number"):
        load_briefing(project / "inputs" / "alpha", load_config(project))


def test_limit_settings_are_listed_with_defaults():
    described = {name: (default, doc) for name, default, doc in describe_settings()}
    for name in ("max_file_mb", "max_transcript_words", "max_manuscript_words", "max_list_depth", "max_inline_depth",
                 "max_word_chars"):
        assert name in described and described[name][1]
    assert described["max_manuscript_words"][0] == 20_000


@pytest.mark.parametrize("line, expected", [
    ("max_list_depth = 0", "setting 'max_list_depth': expected a number from 1 to 50, found 0"),
    ("max_word_chars = -5", "setting 'max_word_chars': expected a number from 10 to 100,000, found -5"),
    ("max_transcript_words = 1e30", "setting 'max_transcript_words': expected int, found 1e+30"),
    ("max_manuscript_words = 99999999999999999999", "expected a number from 1 to 1,000,000"),
    ("max_file_mb = 0", "setting 'max_file_mb': expected a number from 0.001 to 10,000, found 0.0"),
])
def test_limit_settings_are_range_checked(tmp_path, line, expected):
    (tmp_path / "briefings.toml").write_text(line + "\n")
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path)
    assert expected in str(info.value) and "briefings.toml" in str(info.value)


def _briefing(tmp_path, **fields) -> Path:
    values = {"title": '"T"', "speaker": '"Dr. A B"', "event": '"E"', "date": "2026-01-02", "author": '"A B"',
              "volume": "1", "issue": "1", **fields}
    folder = tmp_path / "inputs" / "one"
    folder.mkdir(parents=True)
    (folder / "briefing.toml").write_text("".join(f"{k} = {v}\n" for k, v in values.items()))
    return folder


@pytest.mark.parametrize("field, value, expected", [
    ("year", "-1", "field 'year': expected a year from 1900 to 2200, found -1"),
    ("year", "99999", "field 'year': expected a year from 1900 to 2200, found 99999"),
    ("volume", "0", "field 'volume': expected a number from 1 to 9999, found 0"),
    ("issue", "9223372036854775807", "field 'issue': expected a number from 1 to 9999"),
    ("date", "0001-01-01", "field 'date': expected a year from 1900 to 2200, found datetime.date(1, 1, 1)"),
    ("status", "[1, 2]", "field 'status': expected draft or final, found [1, 2]"),
    ("status", '"published"', "field 'status': expected draft or final, found 'published'"),
    ("volume", "true", "field 'volume': expected the journal volume (integer), found True"),
])
def test_briefing_fields_are_range_and_type_checked(tmp_path, field, value, expected):
    folder = _briefing(tmp_path, **{field: value})
    with pytest.raises(ConfigError) as info:
        load_briefing(folder, load_config(tmp_path))
    assert f"one/briefing.toml: {expected}" in str(info.value)


def test_every_bad_field_of_a_briefing_is_reported_together(tmp_path):
    folder = _briefing(tmp_path, year="-1", volume="0", issue="10000", status="[1, 2]")
    with pytest.raises(ConfigError) as info:
        load_briefing(folder, load_config(tmp_path))
    assert sorted(p.split(":")[0] for p in info.value.problems) == ["field 'issue'", "field 'status'", "field 'volume'", "field 'year'"]
