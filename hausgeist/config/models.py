"""The configuration file as pydantic models. Cross-references are checked in ``checks``."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9_]+$", min_length=1, max_length=64)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PolicyLevel(StrEnum):
    """What the agent may do with a sensitive action."""

    ALLOW = "allow"
    """Carry it out at once."""
    CONFIRM = "confirm"
    """Ask for a yes first."""
    PIN = "pin"
    """Ask for the PIN first."""
    DENY = "deny"
    """Never do it by voice or text."""


class FloorConfig(_Model):
    """A floor of the home."""

    id: Slug
    name: Name
    aliases: list[Name] = []
    level: int | None = None


class AreaConfig(_Model):
    """A room or zone."""

    id: Slug
    name: Name
    aliases: list[Name] = []
    floor: str | None = None


class Zigbee2MqttDevice(_Model):
    """A Zigbee2MQTT device: JSON on ``<topic>/set``, state on ``<topic>``."""

    type: Literal["zigbee2mqtt"]
    topic: Annotated[str, StringConstraints(min_length=1)]
    endpoint: str | None = None
    """Endpoint of a multi-endpoint device: its keys are suffixed, ``state_l2``."""
    property: str | None = None
    """The JSON key of the main value (sensor reading, binary flag, thermostat setpoint);
    defaults from the domain and device class (``temperature``, ``contact``...)."""


class TasmotaDevice(_Model):
    """A Tasmota device: ``cmnd/<topic>/POWER<relay>``, state on ``stat/`` and ``tele/``."""

    type: Literal["tasmota"]
    topic: Annotated[str, StringConstraints(min_length=1)]
    relay: int | None = Field(default=None, ge=1, le=8)
    sensor: str | None = None
    """Dotted path of the reading in ``tele/<topic>/SENSOR``, e.g. ``AM2301.Temperature``."""


class HomeAssistantMqttDevice(_Model):
    """A device announced or described in Home Assistant's MQTT discovery form."""

    type: Literal["homeassistant"]
    command_topic: str | None = None
    state_topic: str | None = None
    schema_: Literal["default", "json"] = Field(default="default", alias="schema")
    payload_on: str = "ON"
    payload_off: str = "OFF"
    brightness_command_topic: str | None = None
    brightness_scale: int = Field(default=255, ge=1, le=65535)
    position_topic: str | None = None
    availability_topic: str | None = None
    # Optional keys named as in Home Assistant's MQTT discovery:
    brightness_state_topic: str | None = None
    rgb_command_topic: str | None = None
    color_temp_command_topic: str | None = None
    set_position_topic: str | None = None
    percentage_command_topic: str | None = None
    percentage_state_topic: str | None = None
    temperature_command_topic: str | None = None
    temperature_state_topic: str | None = None
    current_temperature_topic: str | None = None
    mode_command_topic: str | None = None
    mode_state_topic: str | None = None
    json_attributes_topic: str | None = None
    value_path: str | None = None
    """Dotted path of the state in a JSON ``state_topic`` (``{{ value_json.a.b }}`` → ``a.b``)."""


class GenericDevice(_Model):
    """Any other device: a topic and payload template per service."""

    type: Literal["generic"]
    commands: dict[str, GenericCommand]
    state_topic: str | None = None
    state_template: str | None = None
    availability_topic: str | None = None


class GenericCommand(_Model):
    """How one service is sent: ``{entity_id}``, ``{state}`` and data keys fill the templates."""

    topic: str
    payload: str = ""
    retain: bool = False


DeviceMqtt = Annotated[
    Zigbee2MqttDevice | TasmotaDevice | HomeAssistantMqttDevice | GenericDevice,
    Field(discriminator="type"),
]


class DeviceConfig(_Model):
    """One controllable or readable thing, in Home Assistant entity form."""

    id: str
    name: Name
    aliases: list[Name] = []
    area: str | None = None
    device_class: str | None = None
    state: str | None = None
    attributes: dict[str, Any] = {}
    mqtt: DeviceMqtt | None = None
    policy: PolicyLevel | None = None
    hidden: bool = False

    @field_validator("state", mode="before")
    @classmethod
    def _state_as_text(cls, value: Any) -> Any:
        # YAML 1.1 reads a bare `off` as False and `21.5` as a float; HA states are text.
        if isinstance(value, bool):
            return "on" if value else "off"
        if isinstance(value, int | float):
            return str(value)
        return value


class TlsConfig(_Model):
    """TLS to the broker."""

    ca_certs: str | None = None
    certfile: str | None = None
    keyfile: str | None = None
    insecure: bool = False


class MqttConfig(_Model):
    """The broker the agent connects to."""

    host: str = "127.0.0.1"
    port: int = Field(default=1883, ge=1, le=65535)
    username: str | None = None
    password: str | None = None
    tls: TlsConfig | None = None
    base_topic: Annotated[str, StringConstraints(pattern=r"^[^#+]+$")] = "hausgeist"
    client_id: str = "hausgeist"
    keepalive: int = Field(default=60, ge=5, le=3600)
    discovery_prefix: str = "homeassistant"
    announce: bool = True
    """Announce the agent to Home Assistant as a device (MQTT discovery): a command text box,
    the last reply, switches for the automations and the local model, a reload button."""
    action_expiry_s: int = Field(default=30, ge=1, le=86400)
    session_expiry_s: int = Field(default=300, ge=0, le=86400)
    reply_topics: list[str] = []


class PolicyConfig(_Model):
    """Safety policy for sensitive actions; the built-in defaults confirm unlocks,
    opening garage doors/doors/gates and disarming alarms."""

    pin: str | None = None
    domains: dict[str, PolicyLevel] = {}
    confirm_timeout_s: int = Field(default=60, ge=5, le=3600)


class HistoryConfig(_Model):
    """Where requests and decisions are recorded."""

    enabled: bool = True
    url: str | None = None


class LlmConfig(_Model):
    """The local LLM stage."""

    enabled: bool = True
    model: str | None = None
    threads: Annotated[int, Field(ge=1, le=64)] | Literal["auto"] = "auto"
    """CPU threads for the model. "auto": per request, every core no other process is
    using (two on an idle 2-core box, one while something else keeps a core busy, when
    two threads would be slower than one). A number fixes it."""
    context: int = Field(default=2048, ge=256, le=131072)

    @field_validator("threads", mode="before")
    @classmethod
    def _threads(cls, value: Any) -> Any:
        """ "auto" or a count from 1 to 64 (also as a string, from the environment)."""
        if isinstance(value, str) and value.strip().isdigit():
            value = int(value)
        counted = isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 64
        if value != "auto" and not counted:
            raise ValueError("threads is 'auto' or a number of threads from 1 to 64")
        return value

    timeout_s: float = Field(default=5.0, gt=0, le=120)
    min_confidence: float = Field(default=0.5, ge=0, le=1)
    """Least geometric-mean probability of the model's choice tokens (ids, services)."""
    examples: int = Field(default=1, ge=0, le=10)
    """Solved requests of this home shown to the model with each request (each costs ~35
    prompt tokens, ~0.1-0.25 s on a 2-core box; more than one helped little, measured)."""
    max_devices: int = Field(default=48, ge=1, le=500)
    """Homes with more controllable devices list only the request's likeliest eight."""
    device_list: bool = True
    """List the devices in the prompt. A model tuned on this home (``model tune``) has
    learned them and runs without the list; the stock model needs it."""


class LocationConfig(_Model):
    """Where the home is: sun events and times of day of automations use it."""

    latitude: Annotated[float, Field(ge=-90, le=90)] | None = None
    longitude: Annotated[float, Field(ge=-180, le=180)] | None = None
    time_zone: str = "UTC"
    """An IANA time zone name (``Europe/Berlin``)."""

    @property
    def zone(self) -> ZoneInfo:
        """The time zone (checked when the configuration loads)."""
        return ZoneInfo(self.time_zone)

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            msg = f"unknown time zone {value!r}: use an IANA name such as 'Europe/Berlin'"
            raise ValueError(msg) from exc
        return value


class HomeAssistantConfig(_Model):
    """Home Assistant as the device backend: its registry, states and services."""

    url: Annotated[str, StringConstraints(pattern=r"^wss?://\S+$")] = (
        "ws://supervisor/core/websocket"
    )
    """Its WebSocket API (``ws://HOST:8123/api/websocket``); the default is the one an add-on
    reaches."""
    token: str | None = None
    """A long-lived access token (profile, Security); as an add-on, ``SUPERVISOR_TOKEN``."""
    exposed_only: bool = True
    """Only the entities exposed to assistants (Settings, Voice assistants, Expose)."""
    timeout_s: float = Field(default=10.0, gt=0, le=120)

    def access_token(self, env: Mapping[str, str]) -> str | None:
        """The token to use: the configured one, else the Supervisor's."""
        return self.token or env.get("SUPERVISOR_TOKEN") or None


class VoiceConfig(_Model):
    """Voice front ends (Wyoming, Rhasspy/Hermes)."""

    satellites: dict[str, Slug] = {}
    """A satellite's id (Wyoming ``device_id``/``satellite_id``, Hermes ``siteId``) -> the
    area it stands in: "turn off the light" then means that room's light."""
    hermes: bool = False
    """Answer Rhasspy 2 Hermes NLU queries (``hermes/nlu/query``) under ``hausgeist run``."""


class LearningConfig(_Model):
    """Personalization: what the agent learns from its history (``hausgeist learned``)."""

    enabled: bool = True
    window_s: float = Field(default=120.0, ge=5, le=3600)
    """A correction ("no, the other one", "undo") counts within this many seconds of the
    answer it corrects; a device switched back by hand within it counts against it."""
    min_evidence: float = Field(default=2.0, ge=1, le=20)
    """How much evidence a learned phrase or habit needs before the agent acts on it: a
    correction counts this much at once, each answer to the same "which one?" counts 1."""
    retention_days: float = Field(default=365.0, ge=1, le=3650)
    """Values older than this are not read as habits."""
    half_life_days: float = Field(default=30.0, ge=1, le=3650)
    """Unused, a learned phrase's evidence halves in this many days."""


class FederationConfig(_Model):
    """The federated update hook (``hausgeist federate``): what this home shares, how
    privately, and what it adopts."""

    budget_epsilon: float = Field(default=8.0, gt=0, le=10000)
    """ε (at δ = 1e-5) this home may spend in any 365 days; past it, it stops contributing."""
    noise_multiplier: float = Field(default=1.12, ge=0.01, le=50)
    """Gaussian noise per round, in multiples of the clip (1.12: three rounds spend ε 7.87)."""
    k: int = Field(default=5, ge=2, le=100000)
    """A pattern is adopted only when the aggregate counts it for at least this many homes."""
    width: int = Field(default=16384, ge=1024, le=1 << 20)
    """Cells per row of the sketch (every home of a federation must use the same)."""
    most: int = Field(default=1, ge=1, le=16)
    """Patterns a home counts per round (its strongest)."""
    salt: str = Field(default="hausgeist-1", min_length=1, max_length=64)
    """Keys the sketch's hashes (the same in every home of a federation)."""
    lexicon_size: int = Field(default=20000, ge=1000, le=100000)
    """Words of the public lexicon a shared phrase may use (the most frequent English ones)."""


class Config(_Model):
    """The whole configuration file."""

    areas: list[AreaConfig] = []
    floors: list[FloorConfig] = []
    devices: list[DeviceConfig] = []
    mqtt: MqttConfig | None = None
    policy: PolicyConfig = PolicyConfig()
    history: HistoryConfig = HistoryConfig()
    learning: LearningConfig = LearningConfig()
    federation: FederationConfig = FederationConfig()
    llm: LlmConfig = LlmConfig()
    data_dir: str | None = None
    location: LocationConfig = LocationConfig()
    voice: VoiceConfig = VoiceConfig()
    homeassistant: HomeAssistantConfig | None = None
    automations: list[Any] = []
    """Automations in Home Assistant's format, checked by ``hausgeist.automations``."""
    language: Literal["en"] = "en"
    home: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)] | None = None
    """The name this home's requests are recorded under in the history, which several homes
    may share. Loaded from a file it defaults to the file's absolute path."""
