from django import template

register = template.Library()


@register.filter
def get(mapping, key):
    """``{{ row.categories|get:c.key }}``: a dict value by a variable key (0 when absent)."""
    if not isinstance(mapping, dict):
        return ""
    return mapping.get(str(key), 0)
