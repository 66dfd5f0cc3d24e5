"""Payload templates of generic devices: ``str.format`` with plain names only.

``{brightness_pct}`` and ``{temperature:.1f}`` are allowed; ``{0}``, ``{data.key}``,
``{items[0]}``, ``{x!r}`` and nested ``{x:{y}}`` are not, so a template can neither reach
into Python objects nor grow without bound. Literal braces are doubled: ``{{"on": {state}}}``."""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from typing import Any

from hausgeist.errors import IntegrationError

_SPEC = re.compile(r"^[<>^=+\- #0,_]{0,4}\d{0,2}(\.\d{1,2})?[bcdeEfFgGnosxX%]?$")


def template_names(template: str) -> list[str]:
    """The names ``template`` uses; IntegrationError when it uses anything but plain names."""
    names: list[str] = []
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as err:
        raise IntegrationError(f"template {template!r} is malformed: {err}") from err
    for _, name, spec, conversion in parsed:
        if name is None:
            continue
        if not name.isidentifier():
            raise IntegrationError(
                f"template {template!r}: '{{{name}}}' is not a plain name;"
                " use names like {entity_id}, {state} or {brightness_pct}"
            )
        if conversion is not None or (spec and not _SPEC.match(spec)):
            raise IntegrationError(
                f"template {template!r}: '{{{name}}}' may only carry a short format like :.1f"
            )
        names.append(name)
    return names


def render(template: str, values: Mapping[str, Any]) -> str:
    """``template`` filled from ``values``; IntegrationError when a name has no value."""
    missing = [n for n in template_names(template) if n not in values]
    if missing:
        raise IntegrationError(
            f"template {template!r} needs {', '.join(missing)}, which this call does not give"
        )
    out: list[str] = []
    for literal, name, spec, _ in string.Formatter().parse(template):
        out.append(literal)
        if name is not None:
            out.append(_text(values[name], spec or ""))
    return "".join(out)


def _text(value: Any, spec: str) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return ",".join(_text(v, spec) for v in value)
    if spec and isinstance(value, int | float):
        try:
            return format(value, spec)
        except ValueError as err:
            raise IntegrationError(f"cannot format {value!r} as {spec!r}: {err}") from err
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
