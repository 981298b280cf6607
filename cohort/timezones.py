"""Time zones: validation, choices and showing UTC times in a viewer's zone."""

from datetime import datetime
from functools import cache, lru_cache
from importlib.resources import files
from zoneinfo import ZoneInfo

from wtforms import SelectChoice

from . import countries
from .models.types import utcnow

# The tz database as the tzdata package ships it. zone.tab lists, country by country, the zones
# people choose from (what tzselect offers), by their current names: "Asia/Kolkata", not the old
# "Asia/Calcutta"; no "US/Eastern" or "EST5EDT". The compact source lists the other names, links
# ("L zone alias"), each standing for one of those zones.
_TZDATA = files("tzdata").joinpath("zoneinfo")
_UTC = ("Etc/UTC", "Etc/GMT")


@cache
def _countries() -> dict[str, str]:
    """The zones of zone.tab, each with its country's ISO 3166 code."""
    rows = (line.split("\t") for line in _TZDATA.joinpath("zone.tab").read_text().splitlines())
    return {row[2]: row[0] for row in rows if len(row) >= 3 and not row[0].startswith("#")}


@cache
def _links() -> dict[str, str]:
    """Each other name ("Asia/Calcutta", "Europe/Kiev") and the zone it stands for ("Asia/Kolkata")."""
    lines = (line.split() for line in _TZDATA.joinpath("tzdata.zi").read_text().splitlines())
    return {parts[2]: parts[1] for parts in lines if len(parts) == 3 and parts[0] == "L"}


@cache
def timezone_names() -> tuple[str, ...]:
    """The zones people choose from: each place once, by its current name, and UTC."""
    return tuple(sorted(set(_countries()) | {"UTC"}))


def is_timezone(name: str) -> bool:
    return name in timezone_names()


def canonical_timezone(name: str | None) -> str | None:
    """The zone of the list a name stands for ("Asia/Calcutta" → "Asia/Kolkata"), or None for none."""
    if name in timezone_names():
        return name
    target = _links().get(name or "", name)
    if target in _UTC:
        return "UTC"
    return target if target in timezone_names() else None


def _offset(moment: datetime) -> str:
    minutes = int(moment.utcoffset().total_seconds()) // 60
    sign = "+" if minutes >= 0 else "−"
    hours, minutes = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours:02d}:{minutes:02d}"


@cache
def _places() -> tuple[tuple[str, str, dict], ...]:
    """Each zone's name, its place as people say it ("Kolkata, India"), and the other names a
    browser may report for it (Chrome still says "Asia/Calcutta"), for the script that preselects
    the device's own zone and finds a zone by its old city ("Kiev")."""
    aliases: dict[str, list[str]] = {"UTC": list(_UTC)}  # zones of their own in the database
    for alias in _links():
        zone = canonical_timezone(alias)
        if zone and zone != alias:
            aliases.setdefault(zone, []).append(alias)
    places = []
    for name in timezone_names():
        country = countries.country_name(_countries().get(name, ""))
        known_as = sorted(aliases.get(name, []))
        places.append(
            (
                name,
                f"{city(name)}, {country}" if country else city(name),
                {"data-aliases": " ".join(known_as)} if known_as else {},
            )
        )
    return tuple(places)


@lru_cache(maxsize=1)
def _choices_at(minute: datetime) -> tuple[SelectChoice, ...]:
    return tuple(
        SelectChoice(
            name,
            f"{place} · {_offset(here)} · {here:%H:%M}",
            optgroup=name.split("/", 1)[0],
            render_kw=known_as,
        )
        for name, place, known_as in _places()
        for here in (minute.astimezone(ZoneInfo(name)),)
    )


def timezone_choices(now: datetime | None = None) -> list[SelectChoice]:
    """Zones for a select box, grouped by region, each with its country, UTC offset and time now, so
    that typing a city, a country or an offset finds it: "Kolkata, India · UTC+05:30 · 23:28".
    Made once a minute."""
    return list(_choices_at((now or utcnow()).replace(second=0, microsecond=0)))


def city(name: str) -> str:
    """The short place name of a zone: "America/New_York" → "New York"."""
    return name.rsplit("/", 1)[-1].replace("_", " ")


def local_time(moment: datetime | None, zone: str) -> datetime:
    """A UTC moment (now, if none) in the given zone."""
    return (moment or utcnow()).astimezone(ZoneInfo(zone))
