"""Panels that later stages add to the home page, without the shared app depending on them.

A stage registers a provider in its AppConfig.ready():

    from common.home import register_panel
    register_panel(intake_panel)   # intake_panel(request) -> (template name, context) or None

The home page renders each panel the user gets, in registration order.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest
from django.template.loader import render_to_string

Panel = tuple[str, dict]
_PROVIDERS: list[Callable[[HttpRequest], Panel | None]] = []


def register_panel(provider: Callable[[HttpRequest], Panel | None]) -> None:
    if provider not in _PROVIDERS:
        _PROVIDERS.append(provider)


def panels_for(request: HttpRequest) -> list[str]:
    """The HTML of every panel this user gets."""
    return [
        render_to_string(template, context, request=request)
        for provider in _PROVIDERS
        if (panel := provider(request)) is not None
        for template, context in [panel]
    ]
