"""Home Assistant as the device backend: its WebSocket API (:mod:`link`), its registries as
hausgeist's configuration (:mod:`registry`), its services as the dispatcher (:mod:`dispatch`)."""
