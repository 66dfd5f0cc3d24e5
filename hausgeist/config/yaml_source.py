"""Read YAML while remembering the line of every key, and resolve ``!secret``.

The configuration is validated after loading; a problem found then must still point
at its line in the file. This module keeps a map from key path to line number.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from hausgeist.errors import ConfigError, ConfigProblem

Path_ = tuple[str | int, ...]


@dataclass
class YamlDocument:
    """A parsed YAML document with the line of every node."""

    data: Any
    """The plain Python value (dicts, lists, scalars)."""
    lines: dict[Path_, int] = field(default_factory=dict)
    """1-based line of each key path, e.g. ``("devices", 3, "area") -> 41``."""
    raw: dict[Path_, str] = field(default_factory=dict)
    """The source text of plain scalars, for values that must stay text (a PIN ``0123``)."""

    def line_of(self, path: Path_) -> int | None:
        """The line of ``path``, or of its closest ancestor that has one."""
        probe = tuple(path)
        while probe:
            if probe in self.lines:
                return self.lines[probe]
            probe = probe[:-1]
        return None


def format_path(path: Path_) -> str:
    """``("devices", 3, "area")`` -> ``devices[3].area``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


class _Builder:
    """Turns a composed YAML node tree into Python values, collecting lines and problems."""

    def __init__(
        self, secrets: dict[str, Any] | None, secrets_file: Path | None, depth: int = 0
    ) -> None:
        self.secrets = secrets
        self.secrets_file = secrets_file
        self.base = secrets_file.parent if secrets_file is not None else None
        self.depth = depth
        self.lines: dict[Path_, int] = {}
        self.raw: dict[Path_, str] = {}
        self.problems: list[ConfigProblem] = []
        self._loader = yaml.SafeLoader("")

    def build(self, node: yaml.Node, path: Path_) -> Any:
        self.lines.setdefault(path, node.start_mark.line + 1)
        if node.tag == "!secret":
            return self._secret(node, path)
        if node.tag in _INCLUDES:
            return self._include(node, path)
        if node.tag.startswith("!"):
            self.problems.append(
                ConfigProblem(
                    format_path(path),
                    f"unknown tag {node.tag}",
                    node.start_mark.line + 1,
                    "hausgeist supports !secret, !include, !include_dir_list and "
                    "!include_dir_merge_list",
                )
            )
            return None
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path)
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*path, i)) for i, item in enumerate(node.value)]
        if isinstance(node, yaml.ScalarNode):
            self.raw[path] = str(node.value)
        return self._loader.construct_object(node, deep=True)

    def _mapping(self, node: yaml.MappingNode, path: Path_) -> dict[Any, Any]:
        result: dict[Any, Any] = {}
        merged: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":  # `<<: *anchor`
                merged.update(self._merge(value_node, path))
                continue
            key = self._loader.construct_object(key_node, deep=True)
            if isinstance(key, bool):  # `on:` / `off:` as keys: YAML 1.1 makes them booleans
                key = "on" if key else "off"
            key = str(key) if not isinstance(key, str) else key
            child = (*path, key)
            if key in result:
                self.problems.append(
                    ConfigProblem(
                        format_path(child),
                        "key appears twice in the same mapping",
                        key_node.start_mark.line + 1,
                        "keep one of them",
                    )
                )
            self.lines[child] = key_node.start_mark.line + 1
            result[key] = self.build(value_node, child)
        return {**merged, **result}

    def _merge(self, node: yaml.Node, path: Path_) -> dict[Any, Any]:
        sources = node.value if isinstance(node, yaml.SequenceNode) else [node]
        out: dict[Any, Any] = {}
        for source in sources:
            value = self.build(source, path)
            if isinstance(value, dict):
                out.update({k: v for k, v in value.items() if k not in out})
            else:
                self.problems.append(
                    ConfigProblem(
                        format_path(path), "'<<' must merge a mapping", source.start_mark.line + 1
                    )
                )
        return out

    def _include(self, node: yaml.Node, path: Path_) -> Any:
        """``!include file.yaml``, ``!include_dir_list dir`` (one item per file) and
        ``!include_dir_merge_list dir`` (their lists joined), as Home Assistant reads them."""
        name = str(node.value) if isinstance(node, yaml.ScalarNode) else ""
        line = node.start_mark.line + 1
        where = format_path(path)
        target = (self.base / name) if self.base is not None else Path(name)
        if self.depth >= _MAX_INCLUDE_DEPTH:
            self.problems.append(
                ConfigProblem(where, f"{node.tag} {name}: includes nest too deep", line)
            )
            return None
        if node.tag == "!include":
            return self._included(target, where, line)
        if not target.is_dir():
            self.problems.append(
                ConfigProblem(where, f"{node.tag} {name}: no such folder", line, "check the path")
            )
            return None
        items = [self._included(f, where, line) for f in sorted(target.glob("*.yaml"))]
        if node.tag == "!include_dir_list":
            return items
        return [x for item in items for x in (item if isinstance(item, list) else [item])]

    def _included(self, target: Path, where: str, line: int) -> Any:
        try:
            text = target.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            self.problems.append(
                ConfigProblem(where, f"cannot include {target}: {exc}", line, "check the path")
            )
            return None
        builder = _Builder(self.secrets, target.parent / "secrets.yaml", self.depth + 1)
        builder.secrets_file = self.secrets_file
        builder.base = target.parent
        try:
            node = yaml.compose(text, Loader=yaml.SafeLoader)
        except yaml.YAMLError as exc:
            problem = _yaml_problem(exc, f"the included file {target}")
            self.problems.append(ConfigProblem(where, problem.message, line, problem.hint))
            return None
        data = builder.build(node, ()) if node is not None else None
        for problem in builder.problems:
            inner = f" ({target.name}: {problem.path or 'top'}, line {problem.line})"
            self.problems.append(ConfigProblem(where, problem.message + inner, line, problem.hint))
        return data

    def _secret(self, node: yaml.Node, path: Path_) -> Any:
        name = str(node.value) if isinstance(node, yaml.ScalarNode) else ""
        line = node.start_mark.line + 1
        where = format_path(path)
        if self.secrets is None:
            self.problems.append(
                ConfigProblem(
                    where,
                    f"!secret {name}: no secrets file",
                    line,
                    f"create {self.secrets_file or 'secrets.yaml beside the config'}"
                    f" with '{name}: <value>'",
                )
            )
            return None
        if name not in self.secrets:
            self.problems.append(
                ConfigProblem(
                    where,
                    f"!secret {name} is not defined in {self.secrets_file}",
                    line,
                    f"add '{name}: <value>' to that file",
                )
            )
            return None
        return self.secrets[name]


_INCLUDES = frozenset({"!include", "!include_dir_list", "!include_dir_merge_list"})
_MAX_INCLUDE_DEPTH = 8


def _yaml_problem(exc: yaml.YAMLError, what: str) -> ConfigProblem:
    mark = getattr(exc, "problem_mark", None)
    line = mark.line + 1 if mark is not None else None
    problem = getattr(exc, "problem", None) or str(exc)
    return ConfigProblem("", f"{what} is not valid YAML: {problem}", line, "fix the syntax there")


class _TextLoader(yaml.SafeLoader):
    """Reads every plain scalar as text: a secret ``0123`` is the PIN 0123, not octal 83."""


_TextLoader.yaml_implicit_resolvers = {}


def _load_secrets(secrets_file: Path) -> dict[str, Any] | None:
    if not secrets_file.is_file():
        return None
    try:
        data = yaml.load(secrets_file.read_text(encoding="utf-8"), Loader=_TextLoader)  # noqa: S506 - safe subclass
    except yaml.YAMLError as exc:
        raise ConfigError([_yaml_problem(exc, "the secrets file")], str(secrets_file)) from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        problem = ConfigProblem("", "the secrets file must be a mapping of name: value", 1)
        raise ConfigError([problem], str(secrets_file))
    return {str(k): v for k, v in data.items()}


def parse_yaml(text: str, *, source: str, secrets_file: Path | None = None) -> YamlDocument:
    """Parse ``text``; raise :class:`ConfigError` for syntax errors, duplicate keys, bad secrets."""
    secrets = _load_secrets(secrets_file) if secrets_file is not None else None
    builder = _Builder(secrets, secrets_file)
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        raise ConfigError([_yaml_problem(exc, "the file")], source) from exc
    data = builder.build(node, ()) if node is not None else {}
    if builder.problems:
        raise ConfigError(builder.problems, source)
    return YamlDocument(data, builder.lines, builder.raw)


def read_yaml_file(path: Path) -> YamlDocument:
    """Read a config file with ``secrets.yaml`` beside it."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        problem = ConfigProblem(
            "", f"file not found: {path}", None, "check the path or pass --config"
        )
        raise ConfigError([problem], str(path)) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError([ConfigProblem("", f"cannot read {path}: {exc}")], str(path)) from exc
    return parse_yaml(text, source=str(path), secrets_file=path.parent / "secrets.yaml")
