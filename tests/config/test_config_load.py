"""Loading from files: missing files, ``!secret`` beside the config, environment overrides,
and Home Assistant state texts that YAML would otherwise turn into booleans or numbers."""

from __future__ import annotations

from pathlib import Path

import pytest

from hausgeist.config import load_config, load_config_text
from hausgeist.errors import ConfigError

BROKER = "mqtt:\n  host: broker.local\n  username: hausgeist\n  password: !secret mqtt_password\n"


def _write(directory: Path, config: str, secrets: str | None = None) -> Path:
    path = directory / "config.yaml"
    path.write_text(config, encoding="utf-8")
    if secrets is not None:
        (directory / "secrets.yaml").write_text(secrets, encoding="utf-8")
    return path


def _error(path: Path, env: dict[str, str] | None = None) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        load_config(path, env or {})
    return caught.value


# --- files ---------------------------------------------------------------------------------


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.yaml"
    [problem] = _error(path).problems
    assert problem.message == f"file not found: {path}"
    assert problem.hint == "check the path or pass --config"
    assert problem.line is None


def test_directory_instead_of_file(tmp_path: Path) -> None:
    [problem] = _error(tmp_path).problems
    assert problem.message.startswith(f"cannot read {tmp_path}")


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_bytes(b"areas:\n  - {id: k, name: K\xe4che}\n")
    [problem] = _error(path).problems
    assert problem.message.startswith("cannot read")


def test_empty_file_is_an_empty_home(tmp_path: Path) -> None:
    config = load_config(_write(tmp_path, "# nothing yet\n"), {})
    assert config.devices == []
    assert config.mqtt is None


def test_syntax_error_in_a_file_names_the_file_and_line(tmp_path: Path) -> None:
    path = _write(tmp_path, "areas:\n  - id: kitchen\n   name: Kitchen\n")
    error = _error(path)
    assert error.source == str(path)
    [problem] = error.problems
    assert problem.line == 3
    assert str(error).startswith(f"{path}: 1 configuration problem")


# --- secrets -------------------------------------------------------------------------------


def test_secret_resolved_from_secrets_beside_the_config(tmp_path: Path) -> None:
    path = _write(tmp_path, BROKER, "mqtt_password: hunter2\nother: x\n")
    config = load_config(path, {})
    assert config.mqtt is not None
    assert config.mqtt.password == "hunter2"
    assert config.mqtt.host == "broker.local"


def test_secret_not_defined(tmp_path: Path) -> None:
    path = _write(tmp_path, BROKER, "mqtt_pass: hunter2\n")
    [problem] = _error(path).problems
    assert problem.path == "mqtt.password"
    assert problem.line == 4
    assert problem.message == f"!secret mqtt_password is not defined in {tmp_path / 'secrets.yaml'}"
    assert problem.hint == "add 'mqtt_password: <value>' to that file"


def test_no_secrets_file(tmp_path: Path) -> None:
    path = _write(tmp_path, BROKER)
    [problem] = _error(path).problems
    assert problem.path == "mqtt.password"
    assert problem.line == 4
    assert problem.message == "!secret mqtt_password: no secrets file"
    assert problem.hint == f"create {tmp_path / 'secrets.yaml'} with 'mqtt_password: <value>'"


def test_empty_secrets_file_defines_nothing(tmp_path: Path) -> None:
    path = _write(tmp_path, BROKER, "")
    [problem] = _error(path).problems
    assert "is not defined" in problem.message


def test_secrets_file_with_a_syntax_error(tmp_path: Path) -> None:
    path = _write(tmp_path, BROKER, "mqtt_password: [unclosed\n")
    error = _error(path)
    assert error.source == str(tmp_path / "secrets.yaml")
    [problem] = error.problems
    assert "the secrets file is not valid YAML" in problem.message


def test_secrets_file_that_is_not_a_mapping(tmp_path: Path) -> None:
    path = _write(tmp_path, BROKER, "- hunter2\n")
    [problem] = _error(path).problems
    assert problem.message == "the secrets file must be a mapping of name: value"


def test_every_missing_secret_is_reported(tmp_path: Path) -> None:
    text = BROKER + "policy:\n  pin: !secret alarm_pin\n"
    path = _write(tmp_path, text, "unrelated: 1\n")
    problems = _error(path).problems
    assert [(p.path, p.line) for p in problems] == [("mqtt.password", 4), ("policy.pin", 6)]


def test_secret_in_text_without_a_file() -> None:
    with pytest.raises(ConfigError) as caught:
        load_config_text(BROKER)
    [problem] = caught.value.problems
    assert problem.hint == "create secrets.yaml beside the config with 'mqtt_password: <value>'"


def test_numeric_pin_from_secrets(tmp_path: Path) -> None:
    path = _write(tmp_path, "policy:\n  pin: !secret alarm_pin\n", "alarm_pin: 1234\n")
    assert load_config(path, {}).policy.pin == "1234"


# --- environment ---------------------------------------------------------------------------


def test_env_sets_the_mqtt_password() -> None:
    config = load_config_text(
        "mqtt:\n  host: broker.local\n", {"HAUSGEIST_MQTT__PASSWORD": "s3cr3t!"}
    )
    assert config.mqtt is not None
    assert config.mqtt.password == "s3cr3t!"
    assert config.mqtt.host == "broker.local"


def test_env_wins_over_the_file_and_over_a_secret(tmp_path: Path) -> None:
    path = _write(tmp_path, BROKER, "mqtt_password: from-file\n")
    config = load_config(path, {"HAUSGEIST_MQTT__PASSWORD": "from-env"})
    assert config.mqtt is not None
    assert config.mqtt.password == "from-env"


def test_env_sets_a_nested_value() -> None:
    env = {"HAUSGEIST_MQTT__TLS__INSECURE": "true", "HAUSGEIST_MQTT__TLS__CA_CERTS": "/ca.pem"}
    config = load_config_text("mqtt: {host: broker.local}\n", env)
    assert config.mqtt is not None
    assert config.mqtt.tls is not None
    assert config.mqtt.tls.insecure is True
    assert config.mqtt.tls.ca_certs == "/ca.pem"


@pytest.mark.parametrize(
    ("name", "value", "read"),
    [
        ("HAUSGEIST_LLM__THREADS", "4", lambda c: c.llm.threads == 4),
        ("HAUSGEIST_LLM__THREADS", "auto", lambda c: c.llm.threads == "auto"),
        ("HAUSGEIST_LLM__ENABLED", "false", lambda c: c.llm.enabled is False),
        ("HAUSGEIST_LLM__TIMEOUT_S", "2.5", lambda c: c.llm.timeout_s == 2.5),
        ("HAUSGEIST_HISTORY__URL", "sqlite:///h.db", lambda c: c.history.url == "sqlite:///h.db"),
        ("HAUSGEIST_MQTT__PORT", "8883", lambda c: c.mqtt.port == 8883),
        ("HAUSGEIST_POLICY__CONFIRM_TIMEOUT_S", "30", lambda c: c.policy.confirm_timeout_s == 30),
        ("HAUSGEIST_DATA_DIR", "/var/lib/hg", lambda c: c.data_dir == "/var/lib/hg"),
    ],
)
def test_env_sets_typed_values(name: str, value: str, read: object) -> None:
    config = load_config_text("mqtt: {host: broker.local}\n", {name: value})
    assert callable(read)
    assert read(config)


def test_env_variables_of_other_programs_are_ignored() -> None:
    env = {"HOME": "/root", "HAUSGEIST_CONFIG": "/etc/hg.yaml", "MQTT__PASSWORD": "x"}
    config = load_config_text("", env)
    assert config.mqtt is None


def test_env_with_a_bad_value_names_the_key() -> None:
    with pytest.raises(ConfigError) as caught:
        load_config_text("", {"HAUSGEIST_MQTT__PORT": "seventy"})
    [problem] = caught.value.problems
    assert problem.path == "mqtt.port"


def test_env_with_an_unknown_key_names_the_key() -> None:
    with pytest.raises(ConfigError) as caught:
        load_config_text("", {"HAUSGEIST_MQTT__PASWORD": "x"})
    [problem] = caught.value.problems
    assert problem.path == "mqtt.pasword"
    assert problem.hint == "did you mean 'password'?"


def test_env_numeric_password_stays_text() -> None:
    config = load_config_text("mqtt: {host: broker.local}\n", {"HAUSGEIST_MQTT__PASSWORD": "1234"})
    assert config.mqtt is not None
    assert config.mqtt.password == "1234"


def test_env_password_starting_with_a_hash_stays_text() -> None:
    config = load_config_text("mqtt: {host: broker.local}\n", {"HAUSGEIST_MQTT__PASSWORD": "#x1"})
    assert config.mqtt is not None
    assert config.mqtt.password == "#x1"


# --- Home Assistant state texts ------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "state"),
    [
        ("off", "off"),
        ("on", "on"),
        ("yes", "on"),
        ('"off"', "off"),
        ("21.5", "21.5"),
        ("3", "3"),
        ("locked", "locked"),
    ],
)
def test_state_is_home_assistant_text(written: str, state: str) -> None:
    config = load_config_text(f"devices:\n  - id: light.a\n    name: A\n    state: {written}\n")
    assert config.devices[0].state == state


def test_unset_state_is_unknown() -> None:
    config = load_config_text("devices:\n  - {id: light.a, name: A}\n")
    assert config.devices[0].state is None


def test_on_and_off_as_keys_stay_text() -> None:
    text = "devices:\n  - id: light.a\n    name: A\n    attributes: {on: 1, off: 2}\n"
    config = load_config_text(text)
    assert dict(config.devices[0].attributes) == {"on": 1, "off": 2}


@pytest.mark.parametrize("value", ["many", "0", "65"])
def test_threads_are_auto_or_a_count(value: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config_text(f"llm: {{threads: {value}}}\n", {})
    problems = caught.value.problems
    assert problems
    assert all(p.path.startswith("llm.threads") for p in problems)
    assert "auto" in str(caught.value)


def test_a_file_is_the_home_at_its_path_unless_it_names_one(tmp_path: Path) -> None:
    unnamed = tmp_path / "cottage.yaml"
    unnamed.write_text("devices: []\n", encoding="utf-8")
    assert load_config(unnamed, env={}).home == str(unnamed.resolve())
    named = tmp_path / "flat.yaml"
    named.write_text("home: The Flat\n", encoding="utf-8")
    assert load_config(named, env={}).home == "The Flat"
    assert load_config_text("devices: []\n").home is None
