"""Sunrise and sunset where the home is (the configuration's ``location``), with astral."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from astral import Observer
from astral.sun import sunrise, sunset

from hausgeist.config.models import LocationConfig


class Sun:
    """Sun events of one place, in its time zone."""

    def __init__(self, location: LocationConfig) -> None:
        self.zone = location.zone
        self.known = location.latitude is not None and location.longitude is not None
        self.observer = Observer(location.latitude or 0.0, location.longitude or 0.0)

    def event(self, name: str, day: date) -> datetime | None:
        """Sunrise or sunset on ``day`` (None where the sun does not rise or set that day)."""
        reader = sunrise if name == "sunrise" else sunset
        try:
            return reader(self.observer, day, tzinfo=self.zone)
        except ValueError:  # polar day or night
            return None

    def next_event(self, name: str, after: datetime, offset: timedelta) -> datetime | None:
        """The first ``name`` + ``offset`` strictly after ``after``, within a year."""
        day = after.astimezone(self.zone).date() - timedelta(days=1)
        for _ in range(370):
            when = self.event(name, day)
            if when is not None and when + offset > after:
                return when + offset
            day += timedelta(days=1)
        return None
