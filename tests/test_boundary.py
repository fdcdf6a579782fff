"""Tests for pipeline.boundary: only regular files that resolve inside the folder are opened."""

from __future__ import annotations

import os
import socket

import pytest

from pipeline.boundary import digest_inside, inside, read_inside
from pipeline.errors import SourceError


@pytest.fixture
def folder(tmp_path):
    inner = tmp_path / "briefing"
    inner.mkdir()
    (inner / "ok.txt").write_text("fine")
    (tmp_path / "secret.txt").write_text("not yours")
    return inner


def test_regular_file_and_links_that_stay_inside_are_read(folder):
    (folder / "sub").mkdir()
    (folder / "sub" / "alias.txt").symlink_to(folder / "ok.txt")
    assert read_inside(folder / "ok.txt", folder) == b"fine"
    assert read_inside(folder / "sub" / "alias.txt", folder) == b"fine"
    assert len(digest_inside(folder / "ok.txt", folder)) == 64


@pytest.mark.parametrize("make, expected", [
    (lambda f: (f / "x.txt").symlink_to(f.parent / "secret.txt"), "outside the briefing folder"),
    (lambda f: (f / "x.txt").symlink_to("/etc/passwd"), "outside the briefing folder"),
    (lambda f: os.mkfifo(f / "x.txt"), "a FIFO (named pipe), not a regular file"),
    (lambda f: (f / "x.txt").mkdir(), "a folder, not a regular file"),
    (lambda f: (f / "x.txt").symlink_to("/dev/zero"), "outside the briefing folder"),
    (lambda f: (f / "x.txt").symlink_to(f / "x.txt"), "cannot be resolved"),
])
def test_links_out_fifos_and_folders_are_refused_before_opening(folder, make, expected):
    make(folder)
    with pytest.raises(SourceError) as info:
        read_inside(folder / "x.txt", folder)
    assert str(info.value).startswith(str(folder / "x.txt")) and expected in str(info.value)


def test_a_socket_and_a_linked_folder_are_refused(folder, tmp_path):
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(folder / "x.txt"))
        with pytest.raises(SourceError, match="a socket, not a regular file"):
            inside(folder / "x.txt", folder)
    (folder / "up").symlink_to(tmp_path)
    with pytest.raises(SourceError, match="outside the briefing folder"):
        read_inside(folder / "up" / "secret.txt", folder)


def test_a_device_inside_the_folder_is_refused(folder):
    with pytest.raises(SourceError, match="a character device"):
        inside("/dev/null", "/dev")


def test_size_limit_and_undecodable_or_nul_names(folder):
    with pytest.raises(SourceError, match="larger than the limit of 2 bytes"):
        read_inside(folder / "ok.txt", folder, max_bytes=2)
    with pytest.raises(SourceError, match="not valid UTF-8"):
        inside(folder / "bad\udcff.txt", folder)
    with pytest.raises(SourceError, match="NUL byte"):
        inside(str(folder / "a\0b.txt"), folder)
