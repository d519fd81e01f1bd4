"""Start the packaged app on a minimal Debian image: does it say what is missing, and start once it is there?

A fresh Debian (``debootstrap --variant=minbase``) has none of the X11/xcb libraries that Qt's xcb plugin
needs. This tool builds such an image once, then runs ``dist/desktop-rag`` inside it (``chroot``, the build
bind-mounted read-only at /opt/desktop-rag, the host's X socket bind-mounted for Xvfb):

    sudo python packaging/minimal_image.py build  build/minimal-rootfs      # once, needs the Debian mirror
    sudo python packaging/minimal_image.py check  build/minimal-rootfs      # bare image: exit 3, packages named
    sudo python packaging/minimal_image.py install build/minimal-rootfs     # install what the app named
    sudo python packaging/minimal_image.py start  build/minimal-rootfs      # now the window opens (Xvfb)

``tests/test_packaged_app.py`` uses ``check`` and ``start`` when ``DESKTOP_RAG_MINIMAL_ROOTFS`` names such an
image (root only). Linux only; nothing here enters the packaged app.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DIST = Path(os.environ.get("DESKTOP_RAG_DIST") or ROOT / "dist" / "desktop-rag")
SUITE, MIRROR = "bookworm", "http://deb.debian.org/debian"
APP_IN_IMAGE = "/opt/desktop-rag"
# The line of the app's message that lists the Debian/Ubuntu packages (desktop_rag/ui/platform_check.py).
_APT_LINE = re.compile(r"sudo apt install ([^\n]+)")


def build(root: Path) -> None:
    """A minimal Debian image in ``root`` (debootstrap minbase: no X11, no xcb, no fonts)."""
    subprocess.run(["debootstrap", "--variant=minbase", SUITE, str(root), MIRROR], check=True)


def packages_named(message: str) -> list[str]:
    """The Debian packages that the app's start-up message tells the user to install."""
    found = _APT_LINE.search(message)
    return found.group(1).split() if found else []


@contextlib.contextmanager
def _mounted(root: Path, dist: Path) -> Iterator[None]:
    """The build at /opt/desktop-rag (read-only) and the host's X sockets, for the time of one run."""
    mounts = [(dist, root / APP_IN_IMAGE.lstrip("/"), True)]
    if Path("/tmp/.X11-unix").is_dir():
        mounts.append((Path("/tmp/.X11-unix"), root / "tmp" / ".X11-unix", False))
    done: list[Path] = []
    try:
        for source, target, read_only in mounts:
            target.mkdir(parents=True, exist_ok=True)
            subprocess.run(["mount", "--bind", str(source), str(target)], check=True)
            done.append(target)
            if read_only:
                subprocess.run(["mount", "-o", "remount,bind,ro", str(target)], check=True)
        yield
    finally:
        for target in reversed(done):
            subprocess.run(["umount", "-l", str(target)], check=False)


def run_app(root: Path, dist: Path = DIST, display: str = ":99", extra_env: dict[str, str] | None = None,
            timeout: float = 300) -> subprocess.CompletedProcess:
    """``desktop-rag`` inside the image, as a user with a display but no dialog tools would start it."""
    env = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME": "/root",
           "LANG": "C.UTF-8", "DISPLAY": display, "DESKTOP_RAG_NO_DIALOG": "1", **(extra_env or {})}
    with _mounted(root, dist):
        return subprocess.run(["chroot", str(root), f"{APP_IN_IMAGE}/desktop-rag", "--data-dir", "/tmp/desktop-rag-data"],
                              capture_output=True, text=True, env=env, timeout=timeout)


def install(root: Path, packages: list[str]) -> None:
    """Install ``packages`` into the image with its own apt (needs the Debian mirror)."""
    resolv = root / "etc" / "resolv.conf"
    if Path("/etc/resolv.conf").is_file():
        shutil.copy2("/etc/resolv.conf", resolv)
    env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["chroot", str(root), "apt-get", "update", "-q"], check=True, env=env)
    subprocess.run(["chroot", str(root), "apt-get", "install", "-y", "-q", "--no-install-recommends", *packages],
                   check=True, env=env)


def start_with_xvfb(root: Path, dist: Path = DIST) -> subprocess.CompletedProcess:
    """Start the window on a fresh Xvfb display and let it quit after it is shown."""
    xvfb = shutil.which("Xvfb")
    if xvfb is None:
        raise SystemExit("Xvfb is not installed (apt install xvfb)")
    number = 97
    server = subprocess.Popen([xvfb, f":{number}", "-screen", "0", "1400x900x24", "-nolisten", "tcp"],
                              stderr=subprocess.DEVNULL)
    try:
        for _ in range(50):
            if Path(f"/tmp/.X11-unix/X{number}").exists():
                break
            subprocess.run(["sleep", "0.1"], check=False)
        return run_app(root, dist, display=f":{number}", extra_env={"DESKTOP_RAG_EXIT_AFTER_SHOW": "1"})
    finally:
        server.terminate()
        server.wait(timeout=30)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("action", choices=["build", "check", "install", "start"])
    parser.add_argument("root", type=Path, help="the image folder")
    args = parser.parse_args(argv)
    if not sys.platform.startswith("linux") or os.geteuid() != 0:
        raise SystemExit("needs Linux and root (debootstrap, chroot, mount)")
    if args.action == "build":
        build(args.root)
        return 0
    if not (DIST / "desktop-rag").is_file():
        raise SystemExit(f"no build at {DIST}: run make package first")
    if args.action == "check":
        result = run_app(args.root)
        print(result.stderr, end="")
        print(f"exit code {result.returncode}")
        return 0 if result.returncode == 3 and packages_named(result.stderr) else 1
    if args.action == "install":
        named = packages_named(run_app(args.root).stderr)
        if named:
            install(args.root, named)
        print("installed:", " ".join(named) or "nothing (the app named no missing package)")
        return 0
    result = start_with_xvfb(args.root)
    print(result.stdout + result.stderr, end="")
    print(f"exit code {result.returncode}")
    return result.returncode


if __name__ == "__main__":
    sys.exit(main())
