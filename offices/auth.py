"""Types for views that only signed-in staff reach (behind ``login_required``)."""

from django.http import HttpRequest

from .models import User


class AuthenticatedHttpRequest(HttpRequest):
    """A request whose user is a signed-in staff member: annotate views behind ``login_required`` with it."""

    user: User
