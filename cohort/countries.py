"""Countries by their ISO 3166-1 alpha-2 codes, named as people say them (pycountry's common names)."""

from functools import cache

import pycountry


@cache
def choices() -> list[tuple[str, str]]:
    """Every country as ``(code, name)``, in alphabetical order of name, for a form's list."""
    return sorted(
        ((country.alpha_2, getattr(country, "common_name", country.name)) for country in pycountry.countries),
        key=lambda choice: choice[1],
    )


@cache
def _names() -> dict[str, str]:
    return dict(choices())


def country_name(code: str) -> str:
    """The name of the country ``code`` stands for, or "" for none (or a code no longer listed)."""
    return _names().get(code, "")
