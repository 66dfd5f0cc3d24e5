"""The stage is pure: none of its modules loads llama.cpp, numpy or the llama.cpp adapter."""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys

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
