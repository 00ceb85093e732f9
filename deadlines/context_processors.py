from django.utils.functional import SimpleLazyObject


def alerts(request) -> dict:
    """``alert_count``: the signed-in user's unacknowledged alerts, for the header (counted only if shown)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    def count() -> int:
        from .services import unread_alerts

        return unread_alerts(user).count()

    return {"alert_count": SimpleLazyObject(count)}
