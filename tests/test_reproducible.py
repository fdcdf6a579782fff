"""Byte-reproducibility: the bundled examples give the same bytes whatever the folder, hash seed, job count,
order of the slugs, clock, font cache and font subsetter, with no SOURCE_DATE_EPOCH in the environment."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pikepdf
import pytest

from pipeline.render import _TTFontKeepingTimestamp, render_pdf, subsets_with_harfbuzz

REPO = Path(__file__).resolve().parents[1]
SLUGS = sorted(p.name for p in (REPO / "inputs").iterdir() if (p / "briefing.toml").is_file())
CLOCK_SHIFT = 3 * 365 * 86400 + 86400 + 3600  # three years, a day and an hour ahead
# Imported by every Python process of the shifted build, spawned workers included, through PYTHONPATH.
SITECUSTOMIZE = '''"""Test helper: moves time.time() FAKE_CLOCK_SHIFT seconds ahead (fontTools stamps fonts with it)."""
import os
import time

_shift = float(os.environ.get("FAKE_CLOCK_SHIFT") or 0)
if _shift:
    _time, _time_ns = time.time, time.time_ns
    time.time = lambda: _time() + _shift
    time.time_ns = lambda: _time_ns() + int(_shift * 1e9)
'''


def fresh_font_cache(folder: Path) -> dict[str, str]:
    """Environment for a fontconfig with the system's fonts and rules but an empty cache, as on a fresh machine."""
    folder.mkdir(parents=True)
    conf = folder / "fonts.conf"
    conf.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">\n<fontconfig>\n'
        "  <dir>/usr/share/fonts</dir>\n  <dir>/usr/local/share/fonts</dir>\n"
        '  <include ignore_missing="yes">/etc/fonts/conf.d</include>\n'
        f"  <cachedir>{folder / 'fc-cache'}</cachedir>\n</fontconfig>\n",
        encoding="utf-8",
    )
    return {"FONTCONFIG_FILE": str(conf), "XDG_CACHE_HOME": str(folder / "xdg-cache")}


def build_copy(project: Path, *, seed: str, jobs: int, slugs: list[str], env: dict[str, str] | None = None,
               pythonpath: tuple[Path, ...] = ()) -> tuple[dict[str, bytes], str]:
    """Copy the bundled examples to `project`, build them with the CLI in a new process; (outputs by path, stderr)."""
    shutil.copytree(REPO / "inputs", project / "inputs")
    shutil.copy2(REPO / "briefings.toml", project / "briefings.toml")
    environ = {k: v for k, v in os.environ.items() if k not in ("SOURCE_DATE_EPOCH", "PYTHONPATH")}
    environ.update(env or {})
    environ["PYTHONHASHSEED"] = seed
    environ["PYTHONPATH"] = os.pathsep.join(str(p) for p in (*pythonpath, REPO))
    proc = subprocess.run([sys.executable, "-m", "pipeline", "--project", str(project), "build", "--jobs", str(jobs), *slugs],
                          cwd=project, env=environ, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr
    out = project / "outputs"
    files = {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.glob("*/*")) if p.is_file()}
    return files, proc.stderr


@pytest.fixture(scope="module")
def builds(tmp_path_factory):
    """Two builds of the bundled examples that differ in everything that must not matter.

    The second is in another, deeper folder, with another hash seed, two workers instead of one,
    the slugs named in reverse order, the clock three years ahead in another time zone (UTC+14),
    another locale and an empty fontconfig cache.
    """
    root = tmp_path_factory.mktemp("repro")
    helper = root / "clock"
    helper.mkdir()
    (helper / "sitecustomize.py").write_text(SITECUSTOMIZE, encoding="utf-8")
    reference = build_copy(root / "a", seed="0", jobs=1, slugs=[])
    later = build_copy(root / "b" / "deeper" / "folder", seed="4242", jobs=2, slugs=SLUGS[::-1], pythonpath=(helper,),
                       env={"FAKE_CLOCK_SHIFT": str(CLOCK_SHIFT), "TZ": "Pacific/Kiritimati", "LANG": "de_DE.UTF-8",
                            **fresh_font_cache(root / "fonts")})
    if Path("/usr/share/fonts").is_dir():  # the system has fonts: fontconfig must have built its cache anew
        assert any((root / "fonts" / "fc-cache").glob("*.cache-*"))
    return {"reference": (root / "a", *reference), "later": (root / "b" / "deeper" / "folder", *later)}


@pytest.mark.parametrize("slug", SLUGS)
def test_same_bytes_across_folders_seeds_jobs_orders_clocks_and_font_caches(builds, slug):
    _, reference, _ = builds["reference"]
    _, later, _ = builds["later"]
    names = sorted(name for name in reference if name.startswith(f"{slug}/"))
    assert {n.split("/")[1] for n in names} >= {f"{slug}.pdf", f"{slug}.html", "entities.json", "entities.csv", "meta.json"}
    differ = [name for name in names if later.get(name) != reference[name]]
    assert not differ, f"the second build differs from the reference in {differ}"


def _pdf_text(data: bytes) -> bytes:
    """A PDF's bytes with every stream decompressed, to search for leaked values."""
    import io

    parts = [data]
    with pikepdf.open(io.BytesIO(data)) as pdf:
        for obj in pdf.objects:
            if isinstance(obj, pikepdf.Stream):
                try:
                    parts.append(obj.read_bytes())
                except pikepdf.PdfError:
                    continue
    return b"\n".join(parts)


def test_no_folder_and_no_clock_date_in_any_output(builds):
    folder, files, _ = builds["later"]
    dates = [dt.datetime.now(dt.timezone.utc), dt.datetime.fromtimestamp(time.time() + CLOCK_SHIFT, dt.timezone.utc)]
    briefing_dates = "".join((REPO / "inputs" / s / "briefing.toml").read_text(encoding="utf-8") for s in SLUGS)
    leaks = [str(folder.resolve()).encode(), str(folder).encode()]
    for day in dates:
        if day.strftime("%Y-%m-%d") not in briefing_dates:  # a talk given today would be no leak
            leaks += [day.strftime("%Y%m%d").encode(), day.strftime("%Y-%m-%d").encode()]
    for name, data in files.items():
        text = _pdf_text(data) if name.endswith(".pdf") else data
        assert not [leak for leak in leaks if leak in text], name


def test_the_slow_subsetter_notice_is_said_once_per_build(builds):
    _, _, stderr = builds["reference"]
    assert stderr.count("notice: fonts were subset") == (0 if subsets_with_harfbuzz() else 1)
    assert "Using fontTools instead of HarfBuzz-Subset" not in stderr and "DeprecationWarning" not in stderr


@pytest.fixture(params=["fonttools", "harfbuzz"])
def subsetter(request, monkeypatch):
    """Renders in this test go through the given font subsetter (WeasyPrint's own switch decides)."""
    from weasyprint.pdf import fonts as weasy_fonts

    if request.param == "fonttools":
        monkeypatch.setattr(weasy_fonts, "harfbuzz_subset", None)
    elif not subsets_with_harfbuzz():
        pytest.skip("libharfbuzz-subset0 is not installed: only the fontTools path runs here")
    return request.param


SCRIPTS_HTML = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Scripts</title>
<meta name="dcterms.created" content="2026-04-07"><style>{fonts}
html {{ font-family: "Source Serif Pro", "Amiri", "Frank Ruhl Libre", "Noto Sans Devanagari"; }}</style></head>
<body><p>Latin <b>bold</b> <i>italic</i>, Πειραιάς, Новороссийск, القاهرة, חיפה, मुंबई <b>חיפה मुंबई</b>.</p></body></html>"""


def test_render_depends_on_neither_folder_nor_clock(subsetter, tmp_path, monkeypatch):
    css = (REPO / "templates" / "casis" / "note.css").read_text(encoding="utf-8")
    fonts = css[css.index("@font-face"):css.index("/* End of the fonts block. */")]  # static and variable fonts
    html = SCRIPTS_HTML.format(fonts=fonts)
    outputs = []
    for n, clock in enumerate((1_000_000_000.0, 1_000_000_000.0 + CLOCK_SHIFT)):
        monkeypatch.setattr(time, "time", lambda clock=clock: clock)
        folder = tmp_path / f"folder{n}" / ("deeper" * n)
        folder.mkdir(parents=True)
        outputs.append(render_pdf(html, base_dir=folder, allowed_dirs=[]).pdf)
    assert outputs[0] == outputs[1]


def test_fonttools_would_stamp_the_clock_without_the_hook(monkeypatch):
    """The hook is what keeps the clock out: fontTools' own default writes it into head.modified."""
    import io

    from fontTools.ttLib import TTFont

    from pipeline.fonts import font_file

    path = font_file("SourceSerifPro-Regular.ttf")

    def saved(font_class, clock: float) -> bytes:
        monkeypatch.setattr(time, "time", lambda: clock)
        out = io.BytesIO()
        font_class(path).save(out)
        return out.getvalue()

    assert saved(TTFont, 1e9) != saved(TTFont, 2e9)
    assert saved(_TTFontKeepingTimestamp, 1e9) == saved(_TTFontKeepingTimestamp, 2e9)
    from weasyprint.pdf import fonts as weasy_fonts

    assert weasy_fonts.TTFont is _TTFontKeepingTimestamp
