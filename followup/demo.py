"""Demo follow-up data (placeholder, filled in below)."""


def load_demo_followup() -> int:
    return 0
