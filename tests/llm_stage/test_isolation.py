"""The stage is pure: none of its modules loads llama.cpp, numpy or the llama.cpp adapter,
and it reads the understanding core only through the core's public modules."""

from __future__ import annotations

import ast
import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import hausgeist.llm_stage

# Imports every module of the package in a fresh interpreter and names the forbidden ones
# that got loaded (this test process has loaded them already through other tests).
PROBE = """
import importlib, json, pkgutil, sys
import hausgeist.llm_stage as stage
for module in pkgutil.iter_modules(stage.__path__):
    importlib.import_module(f"hausgeist.llm_stage.{module.name}")
forbidden = ("llama_cpp", "numpy", "torch", "hausgeist.llm_runtime", "hausgeist.tune")
print(json.dumps(sorted(n for n in sys.modules if n.startswith(forbidden))))
"""


def _loaded_after(probe: str) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120
    )
    return json.loads(done.stdout)


def test_every_stage_module_imports_without_the_adapter() -> None:
    modules = [m.name for m in pkgutil.iter_modules(hausgeist.llm_stage.__path__)]
    assert {"stage", "generation", "grammar", "mentions"} <= set(modules)
    assert _loaded_after(PROBE) == []


def test_the_adapter_package_imports_without_llama_cpp() -> None:
    probe = (
        "import json, sys; import hausgeist.llm_runtime; "
        "print(json.dumps(sorted(n for n in sys.modules if n.startswith(('llama_cpp', 'numpy')))))"
    )
    assert _loaded_after(probe) == []


PUBLIC_UNDERSTANDING = {"hausgeist.understanding", "hausgeist.understanding.words"}


def _imported(package: Path) -> set[tuple[str, str]]:
    """(file, module) for every absolute ``import``/``from ... import`` in ``package``."""
    found: set[tuple[str, str]] = set()
    for path in sorted(package.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and not node.level:
                found.add((path.name, node.module))
            elif isinstance(node, ast.Import):
                found.update((path.name, alias.name) for alias in node.names)
    return found


def test_the_stage_and_the_tuner_read_understanding_only_through_its_public_modules() -> None:
    root = Path(hausgeist.llm_stage.__file__).parents[1]
    for package in (root / "llm_stage", root / "tune"):
        internal = {
            (file, module)
            for file, module in _imported(package)
            if module.startswith("hausgeist.understanding") and module not in PUBLIC_UNDERSTANDING
        }
        assert internal == set(), f"{package.name} reaches into understanding: {internal}"
