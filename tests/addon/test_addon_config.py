"""The add-on as the Supervisor reads it (issue 16; the add-on linter runs on GitHub only, so
its rules are checked here): required keys, the architectures Home Assistant builds, options
and schema in step, schema types the Supervisor knows, no key set to its default, map
values from its list, services and ports in its form, every option translated and
documented, the run script mapping only options onto hausgeist's own settings, and the
images it names."""

from __future__ import annotations

import re
import struct
from pathlib import Path
from typing import Any

import pytest
import yaml

ADDON = Path(__file__).parents[2] / "addon" / "hausgeist"
CONFIG: dict[str, Any] = yaml.safe_load((ADDON / "config.yaml").read_text(encoding="utf-8"))

DEFAULTS = {
    "startup": "application",
    "boot": "auto",
    "init": True,
    "homeassistant_api": False,
    "hassio_api": False,
    "host_network": False,
    "ingress": False,
    "stdin": False,
    "advanced": False,
    "stage": "stable",
    "timeout": 10,
}
MAP_VALUES = {
    "homeassistant_config",
    "addon_config",
    "ssl",
    "addons",
    "backup",
    "share",
    "media",
    "all_addon_configs",
    "data",
}
SCHEMA_TYPE = re.compile(
    r"^(str|bool|password|email|url|port|device|int|float)(\(.*\))?\??$"
    r"|^(list|match)\(.+\)\??$"
)


def test_required_keys_and_architectures() -> None:
    for key in ("name", "version", "slug", "description", "arch"):
        assert CONFIG.get(key), key
    assert set(CONFIG["arch"]) == {"amd64", "aarch64"}
    assert re.fullmatch(r"[a-z0-9_]+", CONFIG["slug"])


def test_no_key_is_set_to_its_default() -> None:
    same = [k for k, v in DEFAULTS.items() if k in CONFIG and CONFIG[k] == v]
    assert same == [], f"keys set to the Supervisor's default: {same}"


def test_options_and_schema_are_in_step() -> None:
    assert set(CONFIG["options"]) == set(CONFIG["schema"])
    for key, kind in CONFIG["schema"].items():
        assert SCHEMA_TYPE.match(str(kind)), f"{key}: {kind}"
    for key, value in CONFIG["options"].items():
        kind = str(CONFIG["schema"][key])
        if kind.startswith("bool"):
            assert isinstance(value, bool), key
        if kind.startswith("list("):
            assert str(value) in kind[5:-1].split("|"), key
        if kind.startswith("match("):
            assert re.fullmatch(kind[6:-1], str(value)), key


def test_map_services_ports_and_discovery_are_in_the_supervisors_form() -> None:
    for item in CONFIG["map"]:
        assert str(item).split(":")[0] in MAP_VALUES, item
    for service in CONFIG["services"]:
        assert re.fullmatch(r"(mqtt|mysql):(provide|want|need)", service), service
    for port, host in CONFIG["ports"].items():
        assert re.fullmatch(r"\d+/(tcp|udp)", port)
        assert isinstance(host, int)
    assert set(CONFIG["ports_description"]) == set(CONFIG["ports"])
    assert CONFIG["discovery"] == ["wyoming"]
    assert CONFIG["homeassistant_api"] is True
    assert "{arch}" in CONFIG["image"]


def test_every_option_is_translated_and_documented() -> None:
    translations = yaml.safe_load((ADDON / "translations" / "en.yaml").read_text(encoding="utf-8"))
    assert set(translations["configuration"]) == set(CONFIG["options"])
    for item in translations["configuration"].values():
        assert item["name"]
        assert item["description"]
    docs = (ADDON / "DOCS.md").read_text(encoding="utf-8")
    for key in CONFIG["options"]:
        assert f"`{key}`" in docs, key
    assert CONFIG["version"] in (ADDON / "CHANGELOG.md").read_text(encoding="utf-8")


def test_the_run_script_maps_only_options_onto_hausgeists_settings() -> None:
    script = (ADDON / "run.sh").read_text(encoding="utf-8")
    used = set(re.findall(r"bashio::config(?:\.true)? '([a-z_]+)'", script))
    assert used == set(CONFIG["options"])
    for name in re.findall(r"\b(HAUSGEIST_[A-Z_]+)=", script):
        assert name == "HAUSGEIST_DATA_DIR" or "__" in name, name  # overrides of config keys
    assert "tcp://0.0.0.0:10700" in script
    assert 'bashio::discovery "wyoming"' in script


def test_the_image_builds_on_the_current_base_for_its_target() -> None:
    dockerfile = (ADDON / "Dockerfile").read_text(encoding="utf-8")
    assert dockerfile.splitlines()[1] == "FROM ghcr.io/home-assistant/base:latest"
    assert "GGML_NATIVE=OFF" in dockerfile
    assert not (ADDON / "build.yaml").exists()  # retired


@pytest.mark.parametrize(("name", "size"), [("icon.png", (128, 128)), ("logo.png", (250, 100))])
def test_icon_and_logo(name: str, size: tuple[int, int]) -> None:
    data = (ADDON / name).read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", data[16:24]) == size
