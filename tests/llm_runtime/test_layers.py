"""Serving never needs the tuner: the adapter and the agent do not import hausgeist.tune
(training, torch); the tuner may import them."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import hausgeist

ROOT = Path(hausgeist.__file__).parent


def _modules_imported(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


def test_the_adapter_and_the_agent_do_not_import_the_tuner() -> None:
    files = [*sorted((ROOT / "llm_runtime").glob("*.py")), ROOT / "agent.py"]
    reaching = {
        f"{path.name}: {name}"
        for path in files
        for name in _modules_imported(path)
        if name == "hausgeist.tune" or name.startswith("hausgeist.tune.")
    }
    assert reaching == set()


def test_importing_the_agent_loads_neither_the_tuner_nor_llama_cpp() -> None:
    probe = (
        "import json, sys; import hausgeist.agent; "
        "print(json.dumps(sorted(n for n in sys.modules"
        " if n.startswith(('hausgeist.tune', 'torch', 'llama_cpp')))))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120
    )
    assert json.loads(done.stdout) == []
