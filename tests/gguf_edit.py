"""Test helper: a copy of a GGUF model with a chat template added to its metadata.

The Gemma 3 270M test model is a base model without a template; giving a copy Gemma 3's own
template exercises the chat-template path with real llama.cpp tokenization of control tokens.
"""

from __future__ import annotations

import shutil
import struct
from pathlib import Path

# Gemma 3's template (google/gemma-3-270m-it and the other sizes, 2025), in our own words: the system
# text opens the first user turn; content is a string or a list of text and image items.
GEMMA3_TEMPLATE = r"""{{- bos_token }}
{%- set first_user_prefix = '' %}
{%- set loop_messages = messages %}
{%- if messages[0]['role'] == 'system' %}
    {%- set system = messages[0]['content'] %}
    {%- set first_user_prefix = (system if system is string else system[0]['text']) + '\n\n' %}
    {%- set loop_messages = messages[1:] %}
{%- endif %}
{%- for message in loop_messages %}
    {%- if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}
        {{- raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}
    {%- endif %}
    {{- '<start_of_turn>' + ('model' if message['role'] == 'assistant' else message['role']) + '\n' + (first_user_prefix if loop.first else '') }}
    {%- if message['content'] is string %}
        {{- message['content'] | trim }}
    {%- elif message['content'] is iterable %}
        {%- for item in message['content'] %}
            {%- if item['type'] == 'image' %}
                {{- '<start_of_image>' }}
            {%- elif item['type'] == 'text' %}
                {{- item['text'] | trim }}
            {%- endif %}
        {%- endfor %}
    {%- else %}
        {{- raise_exception('Invalid content type') }}
    {%- endif %}
    {{- '<end_of_turn>\n' }}
{%- endfor %}
{%- if add_generation_prompt %}{{- '<start_of_turn>model\n' }}{%- endif %}"""

_SCALAR = {0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8}


def _skip_value(data: bytes, pos: int, vtype: int) -> int:
    if vtype in _SCALAR:
        return pos + _SCALAR[vtype]
    if vtype == 8:  # string
        (n,) = struct.unpack_from("<Q", data, pos)
        return pos + 8 + n
    if vtype == 9:  # array
        etype, count = struct.unpack_from("<IQ", data, pos)
        pos += 12
        if etype in _SCALAR:
            return pos + count * _SCALAR[etype]
        for _ in range(count):
            pos = _skip_value(data, pos, etype)
        return pos
    raise ValueError(f"unknown GGUF value type {vtype}")


def _string(text: str) -> bytes:
    raw = text.encode("utf-8")
    return struct.pack("<Q", len(raw)) + raw


def _value(value) -> bytes:
    """A metadata value: str -> string, bool -> bool, int -> uint32, float -> float32."""
    if isinstance(value, str):
        return struct.pack("<I", 8) + _string(value)
    if isinstance(value, bool):
        return struct.pack("<IB", 7, value)
    if isinstance(value, int):
        return struct.pack("<II", 4, value)
    return struct.pack("<If", 6, value)


def with_chat_template(src: Path, dst: Path, template: str | None = GEMMA3_TEMPLATE, extra: dict | None = None) -> Path:
    """Write ``dst``: ``src`` plus ``tokenizer.chat_template`` (when given) and the ``extra``
    metadata keys (tensor data copied unchanged)."""
    values = dict(extra or {})
    if template is not None:
        values["tokenizer.chat_template"] = template
    with open(src, "rb") as f:
        head = f.read(64 * 1024 * 1024)  # metadata and tensor infos are far smaller than this
    magic, version, n_tensors, n_kv = struct.unpack_from("<4sIQQ", head, 0)
    assert magic == b"GGUF" and version >= 2
    pos = 24
    alignment = 32
    for _ in range(n_kv):
        (klen,) = struct.unpack_from("<Q", head, pos)
        key = head[pos + 8 : pos + 8 + klen].decode()
        pos += 8 + klen
        (vtype,) = struct.unpack_from("<I", head, pos)
        pos += 4
        if key == "general.alignment":
            (alignment,) = struct.unpack_from("<I", head, pos)
        pos = _skip_value(head, pos, vtype)
    kv_end = pos
    for _ in range(n_tensors):
        (nlen,) = struct.unpack_from("<Q", head, pos)
        pos += 8 + nlen
        (ndims,) = struct.unpack_from("<I", head, pos)
        pos += 4 + 8 * ndims + 4 + 8
    infos_end = pos
    data_start = -(-infos_end // alignment) * alignment

    new_kv = b"".join(_string(key) + _value(value) for key, value in values.items())
    header = struct.pack("<4sIQQ", magic, version, n_tensors, n_kv + len(values)) + head[24:kv_end] + new_kv + head[kv_end:infos_end]
    header += b"\0" * (-len(header) % alignment)
    with open(src, "rb") as fin, open(dst, "wb") as fout:
        fout.write(header)
        fin.seek(data_start)
        shutil.copyfileobj(fin, fout, 16 * 1024 * 1024)
    return dst
