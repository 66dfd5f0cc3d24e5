"""What each Home Assistant domain offers: services, their data, features, device classes.

A table of frozen descriptions that the configuration's checks, the device registry and
the understanding all read; it imports nothing else of hausgeist."""
