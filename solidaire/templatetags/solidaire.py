from django import template
from django.utils.translation import pgettext

register = template.Library()


@register.filter
def get_item(mapping: dict | None, key: object) -> object:
    """`mapping|get_item:key` — a dictionary look-up with a variable key."""
    return mapping.get(key) if mapping else None


@register.simple_tag
def colon() -> str:
    """The separator after a label: " : " in French typography, ": " in English."""
    return pgettext("separator after a label", " : ")
