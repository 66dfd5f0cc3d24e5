"""Load a configuration: YAML with lines, ``!secret``, environment overrides, validation."""

from __future__ import annotations

import copy
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from hausgeist.config.checks import check_config, suggest
from hausgeist.config.models import Config
from hausgeist.config.yaml_source import YamlDocument, format_path, parse_yaml, read_yaml_file
from hausgeist.errors import ConfigError, ConfigProblem

ENV_PREFIX = "HAUSGEIST_"
"""``HAUSGEIST_MQTT__PASSWORD=x`` sets ``mqtt.password``; ``__`` separates the levels."""
_NOT_CONFIG = {"HAUSGEIST_CONFIG", "HAUSGEIST_DATA_DIR_OVERRIDE", "HAUSGEIST_TEST_POSTGRES_URL"}


def load_config(path: Path, env: Mapping[str, str] | None = None) -> Config:
    """Read, override from the environment and validate ``path``; raise ``ConfigError``.

    A file without ``home:`` is the home at its absolute path."""
    config = validate_document(read_yaml_file(path), str(path), os.environ if env is None else env)
    if config.home is None:
        config = config.model_copy(update={"home": str(path.resolve())})
    return config


def load_config_text(
    text: str, env: Mapping[str, str] | None = None, source: str = "<config>"
) -> Config:
    """Like :func:`load_config`, for text (tests, the embedded default)."""
    return validate_document(parse_yaml(text, source=source), source, env or {})


def validate_document(doc: YamlDocument, source: str, env: Mapping[str, str]) -> Config:
    """Validate a parsed document, reporting every problem at once."""
    if doc.data is None:
        doc.data = {}
    if not isinstance(doc.data, dict):
        raise ConfigError(
            [ConfigProblem("", "the configuration must be a mapping of keys", 1)], source
        )
    _keep_text(doc)
    _apply_env(doc.data, env)
    problems = check_config(doc.data, doc)
    config: Config | None = None
    try:
        config = Config.model_validate(doc.data)
    except ValidationError as exc:
        problems += _pydantic_problems(exc, doc)
    if problems or config is None:
        problems = problems or [
            ConfigProblem("", "the configuration is not valid", None, "run 'hausgeist check'")
        ]
        problems.sort(key=lambda p: (p.line or 0, p.path))
        raise ConfigError(problems, source)
    return config


_TEXT_PATHS = (("policy", "pin"), ("mqtt", "password"), ("mqtt", "username"))
"""Values that are text even when they look like numbers (PINs, passwords)."""


def _keep_text(doc: YamlDocument) -> None:
    for path in _TEXT_PATHS:
        parent = doc.data.get(path[0]) if isinstance(doc.data, dict) else None
        if (
            isinstance(parent, dict)
            and isinstance(parent.get(path[1]), int | float)
            and path in doc.raw
        ):
            parent[path[1]] = doc.raw[path]


def with_env(data: dict[str, Any], env: Mapping[str, str]) -> dict[str, Any]:
    """A copy of the configuration's data with the ``HAUSGEIST_*`` overrides applied."""
    copied = copy.deepcopy(data)
    _apply_env(copied, env)
    return copied


def _apply_env(data: dict[str, Any], env: Mapping[str, str]) -> None:
    # Values stay text; pydantic turns "1884" into a port number where a number is wanted.
    for name, raw in env.items():
        if not name.startswith(ENV_PREFIX) or name in _NOT_CONFIG:
            continue
        keys = [k.lower() for k in name[len(ENV_PREFIX) :].split("__") if k]
        if not keys or keys[0] not in Config.model_fields:
            continue
        target = data
        for key in keys[:-1]:
            child = target.get(key)
            if not isinstance(child, dict):
                child = {}
                target[key] = child
            target = child
        target[keys[-1]] = raw


def _pydantic_problems(exc: ValidationError, doc: YamlDocument) -> list[ConfigProblem]:
    problems: list[ConfigProblem] = []
    for error in exc.errors():
        loc = _clean_loc(error["loc"])
        kind = error["type"]
        line = doc.line_of(loc)
        if kind == "extra_forbidden":
            key = str(loc[-1])
            allowed = _allowed_keys(doc, loc[:-1])
            hint = suggest(key, allowed) if allowed else None
            problems.append(
                ConfigProblem(format_path(loc), "unknown key", line, hint or _list(allowed))
            )
        elif kind == "union_tag_invalid":
            continue  # reported by check_config with a suggestion
        else:
            problems.append(
                ConfigProblem(
                    format_path(loc),
                    _first_sentence(error["msg"]).lower(),
                    line,
                    _input_hint(error.get("input")),
                )
            )
    return problems


def _clean_loc(loc: tuple[int | str, ...]) -> tuple[int | str, ...]:
    # Tagged unions add the tag as a location step ("mqtt", "zigbee2mqtt", "topic"); drop it.
    out: list[int | str] = []
    for part in loc:
        if (
            isinstance(part, str)
            and part in {"zigbee2mqtt", "tasmota", "homeassistant", "generic"}
            and out
            and out[-1] == "mqtt"
        ):
            continue
        out.append(part)
    return tuple(out)


def _allowed_keys(doc: YamlDocument, parent: tuple[int | str, ...]) -> list[str]:
    from hausgeist.config import models

    # Walk the models alongside the path to find which keys the parent accepts.
    model: Any = models.Config
    data: Any = doc.data
    for part in parent:
        data = _child(data, part)
        if isinstance(part, int):
            continue
        field = model.model_fields.get(part)
        if field is None:
            return []
        model = _inner_model(field.annotation, data.get("type") if isinstance(data, dict) else None)
        if model is None:
            return []
    return sorted(f.alias or name for name, f in model.model_fields.items())


def _child(data: Any, part: int | str) -> Any:
    if isinstance(data, dict):
        return data.get(part)
    if isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data):
        return data[part]
    return None


def _inner_model(annotation: Any, tag: Any = None) -> Any:
    """The model inside ``annotation``; in a tagged union, the one whose ``type`` is ``tag``."""
    from typing import get_args

    from pydantic import BaseModel

    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    found = [m for arg in get_args(annotation) if (m := _inner_model(arg, tag)) is not None]
    for model in found:
        literal = model.model_fields.get("type")
        if literal is not None and tag in get_args(literal.annotation):
            return model
    return found[0] if found else None


def _list(allowed: list[str]) -> str | None:
    return f"allowed keys: {', '.join(allowed)}" if allowed else None


def _first_sentence(msg: str) -> str:
    return msg.split("\n", 1)[0]


def _input_hint(value: Any) -> str | None:
    if value is None or isinstance(value, dict | list):
        return None
    text = repr(value)
    return f"got {text[:60]}"
