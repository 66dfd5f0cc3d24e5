"""Read the few facts we show about a GGUF file from its header, without llama.cpp.

A GGUF file starts with the magic ``GGUF``, a version, two counts and then its
metadata as key/value pairs. The keys we want (``general.name``,
``general.file_type``, ...) come first in files written by llama.cpp's tools, so
reading stops as soon as they are found and never touches the tensor data.
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass
from typing import TYPE_CHECKING, BinaryIO

from hausgeist.errors import ModelError

if TYPE_CHECKING:
    from pathlib import Path

GGUF_MAGIC = b"GGUF"

# llama.cpp's `enum llama_ftype` (include/llama.h): the quantization a file was written with.
FILE_TYPES: dict[int, str] = {
    0: "F32", 1: "F16", 2: "Q4_0", 3: "Q4_1", 7: "Q8_0", 8: "Q5_0", 9: "Q5_1",
    10: "Q2_K", 11: "Q3_K_S", 12: "Q3_K_M", 13: "Q3_K_L", 14: "Q4_K_S", 15: "Q4_K_M",
    16: "Q5_K_S", 17: "Q5_K_M", 18: "Q6_K", 19: "IQ2_XXS", 20: "IQ2_XS", 21: "Q2_K_S",
    22: "IQ3_XS", 23: "IQ3_XXS", 24: "IQ1_S", 25: "IQ4_NL", 26: "IQ3_S", 27: "IQ3_M",
    28: "IQ2_S", 29: "IQ2_M", 30: "IQ4_XS", 31: "IQ1_M", 32: "BF16", 36: "TQ1_0",
    37: "TQ2_0", 38: "MXFP4_MOE", 39: "NVFP4", 40: "Q1_0", 41: "Q2_0",
}  # fmt: skip

_QUANT_IN_NAME = re.compile(r"(?i)(?:^|[._-])(I?Q\d(?:_[A-Z0-9]+)*|BF16|F16|F32)(?=[._-]|$)")

# GGUF value types: fixed-size scalars by struct code; 8 = string, 9 = array.
_SCALARS: dict[int, str] = {
    0: "B",
    1: "b",
    2: "H",
    3: "h",
    4: "I",
    5: "i",
    6: "f",
    7: "?",
    10: "Q",
    11: "q",
    12: "d",
}
_STRING, _ARRAY = 8, 9
_MAX_STRING = 1 << 24  # a header string longer than 16 MiB means the file is damaged
_WANTED = ("general.architecture", "general.name", "general.file_type")


@dataclass(frozen=True)
class GgufHeader:
    """What the first kilobytes of a GGUF file say about the model."""

    version: int
    """GGUF format version (2 or 3)."""
    architecture: str | None
    """Model architecture as llama.cpp names it, e.g. ``llama``, ``gemma3``."""
    name: str | None
    """The ``general.name`` the converter wrote, if any."""
    file_type: int | None
    """llama.cpp's ``llama_ftype`` number, if the file records it."""
    context_length: int | None
    """The context length the model was trained for, if found among the first keys."""

    @property
    def quantization(self) -> str | None:
        """The file type as llama.cpp names it (``Q4_1``, ``Q4_K_M``), if known."""
        return None if self.file_type is None else FILE_TYPES.get(self.file_type)


def has_gguf_magic(path: Path) -> bool:
    """Whether the file starts with the four bytes ``GGUF``."""
    with path.open("rb") as file:
        return file.read(4) == GGUF_MAGIC


def quantization_from_filename(filename: str) -> str | None:
    """The quantization written into a file name (``...-q4_k_m.gguf`` -> ``Q4_K_M``)."""
    stem = filename.removesuffix(".gguf")
    match = _QUANT_IN_NAME.search(stem)
    return match.group(1).upper() if match else None


def read_gguf_header(path: Path, max_keys: int = 64) -> GgufHeader:
    """Read the model's name, architecture and file type from the metadata at the file's start."""
    try:
        with path.open("rb") as file:
            return _read(file, max_keys)
    except (struct.error, UnicodeDecodeError, ValueError) as err:
        raise ModelError(
            f"{path} starts like a GGUF file but its header cannot be read ({err}); "
            "the file is probably truncated: download it again"
        ) from err


def _read(file: BinaryIO, max_keys: int) -> GgufHeader:
    if file.read(4) != GGUF_MAGIC:
        raise ValueError("no GGUF magic")
    (version,) = struct.unpack("<I", file.read(4))
    if version not in (2, 3):
        raise ValueError(f"GGUF version {version} is not supported")
    _n_tensors, n_keys = struct.unpack("<QQ", file.read(16))
    found: dict[str, object] = {}
    for _ in range(min(n_keys, max_keys)):
        key = _read_string(file)
        (kind,) = struct.unpack("<I", file.read(4))
        value = _read_value(file, kind)
        if key in _WANTED or key.endswith(".context_length"):
            found[key] = value
        if all(k in found for k in _WANTED) and _context_key(found) in found:
            break
    return GgufHeader(
        version=version,
        architecture=_str_or_none(found.get("general.architecture")),
        name=_str_or_none(found.get("general.name")),
        file_type=_int_or_none(found.get("general.file_type")),
        context_length=_int_or_none(found.get(_context_key(found))),
    )


def _context_key(found: dict[str, object]) -> str:
    return f"{found.get('general.architecture')}.context_length"


def _read_string(file: BinaryIO) -> str:
    (length,) = struct.unpack("<Q", file.read(8))
    if length > _MAX_STRING:
        raise ValueError(f"implausible string length {length}")
    return file.read(length).decode("utf-8")


def _read_value(file: BinaryIO, kind: int) -> object:
    if kind in _SCALARS:
        code = _SCALARS[kind]
        return struct.unpack("<" + code, file.read(struct.calcsize(code)))[0]
    if kind == _STRING:
        return _read_string(file)
    if kind == _ARRAY:
        item_kind, count = struct.unpack("<IQ", file.read(12))
        if item_kind in _SCALARS:  # skip without reading
            file.seek(struct.calcsize(_SCALARS[item_kind]) * count, 1)
        else:
            for _ in range(count):
                _read_value(file, item_kind)
        return None
    raise ValueError(f"unknown GGUF value type {kind}")


def _str_or_none(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _int_or_none(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None
