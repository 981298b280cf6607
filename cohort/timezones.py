"""Time zones: validation, choices and showing UTC times in a viewer's zone."""

from datetime import datetime
from functools import cache
from zoneinfo import ZoneInfo, available_timezones

from wtforms import SelectChoice

from .models.types import utcnow


@cache
def timezone_names() -> tuple[str, ...]:
    """Every IANA zone name the installed tzdata knows, sorted, without legacy aliases."""
    names = {
        name
        for name in available_timezones()
        if "/" in name and not name.startswith(("Etc/", "SystemV/", "US/", "posix/", "right/"))
    }
    return tuple(sorted(names | {"UTC"}))


def is_timezone(name: str) -> bool:
    return name in timezone_names()


def timezone_choices() -> list[SelectChoice]:
    """Zones for a select box, grouped by region: "London" under "Europe"."""
    return [
        SelectChoice(name, name.split("/", 1)[-1].replace("_", " "), optgroup=name.split("/", 1)[0])
        for name in timezone_names()
    ]


def city(name: str) -> str:
    """The short place name of a zone: "America/New_York" → "New York"."""
    return name.rsplit("/", 1)[-1].replace("_", " ")


def local_time(moment: datetime | None, zone: str) -> datetime:
    """A UTC moment (now, if none) in the given zone."""
    return (moment or utcnow()).astimezone(ZoneInfo(zone))
