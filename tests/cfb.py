"""A minimal writer of OLE compound files (CFB version 3), for tests that build HWP and MSG files.

Every stream must be at least 4096 bytes (no mini stream); storages are one level deep.
"""

from __future__ import annotations

import struct

_FREE, _END, _FATSECT = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD


def _dir_entry(name: str, kind: int, child: int, right: int, start: int, size: int) -> bytes:
    encoded = (name + "\0").encode("utf-16-le")
    return (
        encoded.ljust(64, b"\0")
        + struct.pack("<HBB", len(encoded), kind, 1)
        + struct.pack("<III", _FREE, right, child)
        + b"\0" * 16  # CLSID
        + b"\0" * 4  # state bits
        + b"\0" * 16  # times
        + struct.pack("<IQ", start, size)
    )


def build_cfb(streams: dict[str, bytes]) -> bytes:
    """A version-3 compound file with ``FileHeader`` and ``Storage/Name`` streams (each >= 4096 bytes,
    so that no mini stream is needed)."""
    storages: dict[str, list[str]] = {}
    top: list[str] = []
    for path in streams:
        if "/" in path:
            storage, name = path.split("/")
            if storage not in storages:
                storages[storage] = []
                top.append(storage)
            storages[storage].append(path)
        else:
            top.append(path)
    sectors: list[bytes] = []
    fat: list[int] = []
    starts: dict[str, int] = {}
    for path, data in streams.items():
        assert len(data) >= 4096, "streams under 4096 bytes would need a mini stream"
        padded = data + b"\0" * (-len(data) % 512)
        first = len(sectors)
        count = len(padded) // 512
        sectors += [padded[i * 512 : (i + 1) * 512] for i in range(count)]
        fat += list(range(first + 1, first + count)) + [_END]
        starts[path] = first
    # directory: root, top-level entries chained through right siblings, each storage's streams likewise
    order = ["Root Entry", *top, *[p for s in storages.values() for p in s]]
    index = {name: i for i, name in enumerate(order)}
    entries = [_dir_entry("Root Entry", 5, index[top[0]], _FREE, _END, 0)]
    for i, name in enumerate(top):
        right = index[top[i + 1]] if i + 1 < len(top) else _FREE
        if name in storages:
            entries.append(_dir_entry(name, 1, index[storages[name][0]], right, 0, 0))
        else:
            entries.append(_dir_entry(name, 2, _FREE, right, starts[name], len(streams[name])))
    for children in storages.values():
        for i, path in enumerate(children):
            right = index[children[i + 1]] if i + 1 < len(children) else _FREE
            entries.append(_dir_entry(path.split("/")[1], 2, _FREE, right, starts[path], len(streams[path])))
    directory = b"".join(entries)
    directory += b"\0" * (-len(directory) % 512)
    dir_start = len(sectors)
    dir_count = len(directory) // 512
    sectors += [directory[i * 512 : (i + 1) * 512] for i in range(dir_count)]
    fat += list(range(dir_start + 1, dir_start + dir_count)) + [_END]
    fat_count = (len(fat) + 127) // 128
    while (len(fat) + fat_count + 127) // 128 > fat_count:
        fat_count += 1
    fat_start = len(sectors)
    fat += [_FATSECT] * fat_count
    fat += [_FREE] * (fat_count * 128 - len(fat))
    fat_bytes = struct.pack(f"<{len(fat)}I", *fat)
    sectors += [fat_bytes[i * 512 : (i + 1) * 512] for i in range(fat_count)]
    assert fat_count <= 109
    difat = [fat_start + i for i in range(fat_count)] + [_FREE] * (109 - fat_count)
    header = (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
        + b"\0" * 16
        + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
        + b"\0" * 6
        + struct.pack("<IIIIIIIII", 0, fat_count, dir_start, 0, 4096, _END, 0, _END, 0)
        + struct.pack("<109I", *difat)
    )
    assert len(header) == 512
    return header + b"".join(sectors)
