"""Addresses of many rows at the cost of one reverse(): reverse() costs more than the rest
of a row, and the list page has 150 addresses (docs/performance.md)."""

from collections.abc import Callable

from django.urls import reverse


def path_maker(name: str, *kinds: type) -> Callable[..., str]:
    """A function of the arguments of URL `name` that gives what reverse() would, in the
    language active now, for the cost of a str.format(). `kinds` are the types of the
    arguments (str or int), for placeholders that the converters accept; the values must
    not need quoting (slugs, ids)."""
    placeholders = [f"__{n}__" if kind is str else str(7_777_777_770 + n) for n, kind in enumerate(kinds)]
    template = reverse(name, args=placeholders).replace("{", "{{").replace("}", "}}")
    for index, placeholder in enumerate(placeholders):
        template = template.replace(placeholder, f"{{{index}}}", 1)
    return template.format
