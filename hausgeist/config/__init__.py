"""The configuration file: models, loading and validation."""

from hausgeist.config.load import load_config, load_config_text
from hausgeist.config.models import Config, DeviceConfig, PolicyLevel

__all__ = ["Config", "DeviceConfig", "PolicyLevel", "load_config", "load_config_text"]
