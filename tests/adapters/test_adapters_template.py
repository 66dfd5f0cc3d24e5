"""Generic payload templates: plain names only, safe formatting."""

from __future__ import annotations

import pytest

from hausgeist.errors import IntegrationError
from hausgeist.integration.adapters.template import render, template_names

VALUES = {"entity_id": "light.a", "brightness_pct": 40, "on": True, "rgb": [1, 2, 3], "t": 21.0}


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("{entity_id}", "light.a"),
        ("{brightness_pct}%", "40%"),
        ('{{"on": {on}}}', '{"on": true}'),
        ("{rgb}", "1,2,3"),
        ("{t}", "21"),
        ("{t:.1f}", "21.0"),
        ("{brightness_pct:03d}", "040"),
        ("no fields", "no fields"),
        ("", ""),
    ],
)
def test_render(template: str, expected: str) -> None:
    assert render(template, VALUES) == expected


@pytest.mark.parametrize(
    "template",
    [
        "{entity_id.__class__}",
        "{entity_id[0]}",
        "{0}",
        "{}",
        "{entity_id!r}",
        "{t:{brightness_pct}}",
        "{t:>99999999}",
        "{unclosed",
        "}",
    ],
)
def test_unsafe_or_malformed_templates_are_refused(template: str) -> None:
    with pytest.raises(IntegrationError):
        template_names(template)


def test_missing_names_are_named() -> None:
    with pytest.raises(IntegrationError, match="needs position"):
        render("{position}", VALUES)


def test_a_format_that_does_not_fit_the_value() -> None:
    with pytest.raises(IntegrationError, match="cannot format"):
        render("{t:c}", {"t": 1.5})
