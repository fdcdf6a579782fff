"""Tests for pipeline.config: defaults, overrides and every problem reported at once."""

from __future__ import annotations

import datetime as dt
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
