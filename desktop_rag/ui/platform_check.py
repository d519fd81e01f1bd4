"""Before the window opens on Linux: can Qt's display plugin load? If not, say which packages to install.

Qt 6.5+ needs system libraries for its xcb plugin (``libxcb-cursor0``, ``libxkbcommon-x11-0``, …) that a
fresh Debian or Fedora may lack; without them Qt aborts with "Could not load the Qt platform plugin
'xcb'" and a core dump, naming nothing. This module (Qt-free, so that it runs before PySide6's GUI
libraries are loaded) reads the plugin's and its Qt libraries' needed libraries from their ELF
``DT_NEEDED`` entries, tries to ``dlopen`` each, and maps the missing ones to package names.

In a Wayland session (``WAYLAND_DISPLAY`` set) the wayland plugin is used when its libraries load,
falling back to xcb.
"""

from __future__ import annotations

import ctypes
import importlib.util
import os
import re
import shutil
import struct
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

# soname -> (Debian/Ubuntu package, Fedora package)
PACKAGES: dict[str, tuple[str, str]] = {
    "libxcb-cursor.so.0": ("libxcb-cursor0", "xcb-util-cursor"),
    "libxcb-icccm.so.4": ("libxcb-icccm4", "xcb-util-wm"),
    "libxcb-keysyms.so.1": ("libxcb-keysyms1", "xcb-util-keysyms"),
    "libxcb-image.so.0": ("libxcb-image0", "xcb-util-image"),
    "libxcb-render-util.so.0": ("libxcb-render-util0", "xcb-util-renderutil"),
    "libxcb-util.so.1": ("libxcb-util1", "xcb-util"),
    "libxcb-shape.so.0": ("libxcb-shape0", "libxcb"),
    "libxcb-xkb.so.1": ("libxcb-xkb1", "libxcb"),
    "libxcb-randr.so.0": ("libxcb-randr0", "libxcb"),
    "libxcb-xfixes.so.0": ("libxcb-xfixes0", "libxcb"),
    "libxcb-sync.so.1": ("libxcb-sync1", "libxcb"),
    "libxcb-shm.so.0": ("libxcb-shm0", "libxcb"),
    "libxcb-render.so.0": ("libxcb-render0", "libxcb"),
    "libxcb-xinerama.so.0": ("libxcb-xinerama0", "libxcb"),
    "libxcb-xinput.so.0": ("libxcb-xinput0", "libxcb"),
    "libxcb-glx.so.0": ("libxcb-glx0", "libxcb"),
    "libxcb-present.so.0": ("libxcb-present0", "libxcb"),
    "libxcb-dri3.so.0": ("libxcb-dri3-0", "libxcb"),
    "libxcb.so.1": ("libxcb1", "libxcb"),
    "libxkbcommon-x11.so.0": ("libxkbcommon-x11-0", "libxkbcommon-x11"),
    "libxkbcommon.so.0": ("libxkbcommon0", "libxkbcommon"),
    "libX11-xcb.so.1": ("libx11-xcb1", "libX11-xcb"),
    "libX11.so.6": ("libx11-6", "libX11"),
    "libXext.so.6": ("libxext6", "libXext"),
    "libXrender.so.1": ("libxrender1", "libXrender"),
    "libSM.so.6": ("libsm6", "libSM"),
    "libICE.so.6": ("libice6", "libICE"),
    "libfontconfig.so.1": ("libfontconfig1", "fontconfig"),
    "libfreetype.so.6": ("libfreetype6", "freetype"),
    "libGL.so.1": ("libgl1", "libglvnd-glx"),
    "libGLX.so.0": ("libglx0", "libglvnd-glx"),
    "libOpenGL.so.0": ("libopengl0", "libglvnd-opengl"),
    "libEGL.so.1": ("libegl1", "libglvnd-egl"),
    "libdbus-1.so.3": ("libdbus-1-3", "dbus-libs"),
    "libglib-2.0.so.0": ("libglib2.0-0", "glib2"),
    "libgthread-2.0.so.0": ("libglib2.0-0", "glib2"),
    "libwayland-client.so.0": ("libwayland-client0", "libwayland-client"),
    "libwayland-cursor.so.0": ("libwayland-cursor0", "libwayland-cursor"),
    "libwayland-egl.so.1": ("libwayland-egl1", "libwayland-egl"),
}

_MISSING = re.compile(r"(\S+?\.so[\w.]*): cannot open shared object file")
Loader = Callable[[str], str | None]  # library name or path -> None when it loads, else dlopen's error


@dataclass
class PlatformCheck:
    """The outcome: the plugin Qt should use, or the libraries that stop it."""

    platform: str  # "xcb", "wayland", "" (not checked: another OS, or a platform set by the user)
    missing: list[str] = field(default_factory=list)  # sonames

    @property
    def ok(self) -> bool:
        return not self.missing

    def message(self) -> str:
        """What to tell the user: the missing libraries and the commands that install them."""
        debian = sorted({PACKAGES.get(m, (m, m))[0] for m in self.missing})
        fedora = sorted({PACKAGES.get(m, (m, m))[1] for m in self.missing})
        return (
            "desktop-rag cannot open its window: the Qt display plugin "
            f"'{self.platform}' needs system libraries that are missing:\n  "
            + "\n  ".join(self.missing)
            + "\n\nInstall them, then start desktop-rag again:\n"
            f"  Debian/Ubuntu:  sudo apt install {' '.join(debian)}\n"
            f"  Fedora:         sudo dnf install {' '.join(fedora)}\n"
            "(The command line works without them: desktop-rag --help)"
        )


def needed_libraries(path: str | os.PathLike) -> list[str]:
    """The ``DT_NEEDED`` names of an ELF shared library (what ldd would resolve), read without ldd."""
    data = Path(path).read_bytes()
    if data[:4] != b"\x7fELF":
        raise ValueError(f"not an ELF file: {path}")
    is64 = data[4] == 2
    end = "<" if data[5] == 1 else ">"
    if is64:
        shoff, = struct.unpack_from(end + "Q", data, 0x28)
        shentsize, shnum = struct.unpack_from(end + "HH", data, 0x3A)
    else:
        shoff, = struct.unpack_from(end + "I", data, 0x20)
        shentsize, shnum = struct.unpack_from(end + "HH", data, 0x2E)

    def section(i: int) -> tuple[int, int, int, int]:  # type, offset, size, link
        base = shoff + i * shentsize
        if is64:
            sh_type, = struct.unpack_from(end + "I", data, base + 4)
            offset, size = struct.unpack_from(end + "QQ", data, base + 0x18)
            link, = struct.unpack_from(end + "I", data, base + 0x28)
        else:
            sh_type, = struct.unpack_from(end + "I", data, base + 4)
            offset, size, link = struct.unpack_from(end + "III", data, base + 0x10)
        return sh_type, offset, size, link

    names: list[str] = []
    for i in range(shnum):
        sh_type, offset, size, link = section(i)
        if sh_type != 6:  # SHT_DYNAMIC
            continue
        _t, str_offset, _s, _l = section(link)
        entry = 16 if is64 else 8
        for pos in range(offset, offset + size, entry):
            tag, value = struct.unpack_from(end + ("qQ" if is64 else "iI"), data, pos)
            if tag == 0:  # DT_NULL
                break
            if tag == 1:  # DT_NEEDED
                names.append(data[str_offset + value: data.index(b"\0", str_offset + value)].decode())
    return names


def dlopen(name: str) -> str | None:
    """None when the library loads (by name through the system's search path, or by path), else the error."""
    try:
        ctypes.CDLL(name, mode=os.RTLD_LAZY | getattr(os, "RTLD_LOCAL", 0))
    except OSError as exc:
        return str(exc)
    return None


def qt_folder() -> Path | None:
    """PySide6's Qt folder (plugins/, lib/), in a checkout's environment or the packaged app."""
    roots = []
    spec = importlib.util.find_spec("PySide6")
    if spec is not None and spec.submodule_search_locations:
        roots += [Path(p) for p in spec.submodule_search_locations]
    if getattr(sys, "_MEIPASS", None):
        roots.append(Path(sys._MEIPASS) / "PySide6")
    for root in roots:
        if (root / "Qt" / "plugins" / "platforms").is_dir():
            return root / "Qt"
    return None


def missing_libraries(plugin: Path, qt_lib: Path, load: Loader = dlopen) -> list[str]:
    """System libraries that ``plugin`` and the Qt libraries it uses need but that do not load."""
    folders = [qt_lib] + ([Path(sys._MEIPASS)] if getattr(sys, "_MEIPASS", None) else [])
    missing: dict[str, None] = {}
    seen: set[str] = set()
    todo = [plugin]
    while todo:
        library = todo.pop()
        try:
            needed = needed_libraries(library)
        except (OSError, ValueError, struct.error):
            continue
        for name in needed:
            if name in seen:
                continue
            seen.add(name)
            bundled = next((folder / name for folder in folders if (folder / name).is_file()), None)
            if bundled is not None:  # Qt's own, ICU, or what the packaged app carries: check its needs
                todo.append(bundled)
                continue
            error = load(name)
            if error is not None:
                # dlopen names the first library it could not find, which may be a dependency of ``name``
                found = _MISSING.search(error)
                missing.setdefault(found.group(1) if found else name, None)
    return list(missing)


def check_platform(env: dict[str, str] | None = None, qt: Path | None = None, load: Loader = dlopen) -> PlatformCheck:
    """Which display plugin can start on this machine (Linux); other systems are not checked."""
    env = os.environ if env is None else env
    if not sys.platform.startswith("linux"):
        return PlatformCheck("")
    chosen = env.get("QT_QPA_PLATFORM", "")
    if chosen and chosen.split(";")[0] not in ("xcb", "wayland"):
        return PlatformCheck("")  # offscreen, vnc, ...: the user's choice
    qt = qt or qt_folder()
    if qt is None:
        return PlatformCheck("")
    platforms, qt_lib = qt / "plugins" / "platforms", qt / "lib"
    wanted = chosen.split(";")[0] if chosen else ("wayland" if env.get("WAYLAND_DISPLAY") else "xcb")
    if wanted == "wayland":
        plugin = platforms / "libqwayland.so"
        if not plugin.is_file():
            plugin = platforms / "libqwayland-generic.so"
        if plugin.is_file():
            missing = missing_libraries(plugin, qt_lib, load)
            if not missing or chosen.startswith("wayland"):
                return PlatformCheck("wayland", missing)
    plugin = platforms / "libqxcb.so"
    if not plugin.is_file():
        return PlatformCheck("")
    return PlatformCheck("xcb", missing_libraries(plugin, qt_lib, load))


def show_native_error(text: str) -> None:
    """The message in a desktop dialog without Qt (zenity, kdialog or xmessage, whichever exists)."""
    if os.environ.get("DESKTOP_RAG_NO_DIALOG") == "1" or not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        return
    for argv in (["zenity", "--error", "--no-markup", "--title", "desktop-rag", "--text", text],
                 ["kdialog", "--title", "desktop-rag", "--error", text],
                 ["xmessage", "-center", text]):
        if shutil.which(argv[0]):
            try:
                subprocess.run(argv, timeout=600, check=False, stdin=subprocess.DEVNULL)
            except (OSError, subprocess.SubprocessError):
                continue
            return


def ensure_display_plugin(env: dict[str, str] | None = None, on_error: Callable[[str], None] = show_native_error,
                          load: Loader = dlopen) -> int:
    """0 when the window can start (setting QT_QPA_PLATFORM to the plugin chosen); else print why, show
    it natively, and return 3, the exit code for "cannot open the window"."""
    env = os.environ if env is None else env
    result = check_platform(env, load=load)
    if result.ok:
        if result.platform == "wayland" and not env.get("QT_QPA_PLATFORM"):
            env["QT_QPA_PLATFORM"] = "wayland;xcb"
        return 0
    text = result.message()
    print(text, file=sys.stderr)
    on_error(text)
    return 3
