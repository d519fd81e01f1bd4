"""Before the window: a missing system library for Qt's display plugin is named with its packages,
and desktop-rag exits non-zero instead of Qt's abort and core dump."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from desktop_rag.ui import platform_check as pc

REPO = Path(__file__).resolve().parents[2]
QT = pc.qt_folder()
linux_only = pytest.mark.skipif(not sys.platform.startswith("linux") or QT is None, reason="Qt's xcb plugin is Linux's")


@linux_only
def test_the_xcb_plugin_needs_are_read_from_its_elf_header():
    needed = pc.needed_libraries(QT / "plugins" / "platforms" / "libqxcb.so")
    assert "libxcb-cursor.so.0" in needed and "libxkbcommon-x11.so.0" in needed and "libQt6XcbQpa.so.6" in needed


def test_a_file_that_is_not_elf_is_refused(tmp_path):
    (tmp_path / "x.so").write_bytes(b"hello")
    with pytest.raises(ValueError, match="not an ELF"):
        pc.needed_libraries(tmp_path / "x.so")


@linux_only
def test_missing_libraries_are_named_with_debian_and_fedora_packages():
    hidden = {"libxcb-cursor.so.0", "libxkbcommon-x11.so.0", "libxcb-icccm.so.4"}
    result = pc.check_platform({"DISPLAY": ":0"}, QT, load=lambda name: f"{name}: cannot open shared object file" if name in hidden else None)
    assert result.platform == "xcb" and set(result.missing) == hidden
    text = result.message()
    assert "sudo apt install libxcb-cursor0 libxcb-icccm4 libxkbcommon-x11-0" in text
    assert "sudo dnf install libxkbcommon-x11 xcb-util-cursor xcb-util-wm" in text


@linux_only
def test_a_library_missing_behind_another_is_the_one_named():
    # libxkbcommon-x11 is there but its own dependency is not: dlopen names the dependency
    result = pc.check_platform({}, QT, load=lambda name: "libxkbcommon.so.0: cannot open shared object file: No such file" if name == "libxkbcommon-x11.so.0" else None)
    assert result.missing == ["libxkbcommon.so.0"] and "libxkbcommon0" in result.message()


@linux_only
def test_wayland_is_used_when_its_plugin_loads_and_xcb_otherwise():
    env = {"WAYLAND_DISPLAY": "wayland-0"}
    assert pc.check_platform(env, QT, load=lambda name: None).platform == "wayland"
    broken = pc.check_platform(env, QT, load=lambda n: "no" if "wayland" in n else None)
    assert broken.platform == "xcb" and broken.ok  # falls back to xcb
    assert pc.check_platform({"QT_QPA_PLATFORM": "offscreen"}, QT, load=lambda n: "no").ok  # the user's choice


@linux_only
def test_ensure_sets_wayland_and_reports_failure():
    env = {"WAYLAND_DISPLAY": "wayland-0"}
    assert pc.ensure_display_plugin(env, on_error=lambda text: None, load=lambda name: None) == 0
    assert env["QT_QPA_PLATFORM"] == "wayland;xcb"
    shown: list[str] = []
    assert pc.ensure_display_plugin({}, on_error=shown.append, load=lambda name: "gone" if name == "libxcb-cursor.so.0" else None) == 3
    assert "libxcb-cursor0" in shown[0]


@linux_only
def test_desktop_rag_without_the_xcb_libraries_prints_the_packages_and_exits_non_zero(tmp_path):
    # Hide two of the plugin's libraries from the loader: unloadable files of the same names come
    # first on LD_LIBRARY_PATH (as if they were not installed; this machine's real ones are untouched).
    hide = tmp_path / "hide"
    hide.mkdir()
    for name in ("libxcb-cursor.so.0", "libxkbcommon-x11.so.0"):
        (hide / name).write_bytes(b"not a library")
    env = {k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "WAYLAND_DISPLAY")}
    env.update(DISPLAY=":99", LD_LIBRARY_PATH=str(hide), DESKTOP_RAG_NO_DIALOG="1", PYTHONPATH=str(REPO))
    run = subprocess.run([sys.executable, "-m", "desktop_rag", "--data-dir", str(tmp_path / "data")],
                         env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 3, run.stderr  # not Qt's abort (-6) or a core dump
    assert "libxcb-cursor.so.0" in run.stderr and "libxkbcommon-x11.so.0" in run.stderr
    assert "sudo apt install" in run.stderr and "libxcb-cursor0" in run.stderr and "libxkbcommon-x11-0" in run.stderr
    assert "sudo dnf install" in run.stderr and "xcb-util-cursor" in run.stderr
    assert "Could not load the Qt platform plugin" not in run.stderr


@linux_only
@pytest.mark.skipif(not shutil.which("xvfb-run"), reason="needs Xvfb")
def test_with_the_libraries_the_window_starts(tmp_path):
    if not pc.check_platform({}, QT).ok:
        pytest.skip("this machine lacks xcb libraries: " + ", ".join(pc.check_platform({}, QT).missing))
    env = {k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "WAYLAND_DISPLAY")}
    env.update(DESKTOP_RAG_EXIT_AFTER_SHOW="1", DESKTOP_RAG_NO_DIALOG="1", PYTHONPATH=str(REPO))
    run = subprocess.run(["xvfb-run", "-a", sys.executable, "-m", "desktop_rag", "--data-dir", str(tmp_path / "data")],
                         env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
