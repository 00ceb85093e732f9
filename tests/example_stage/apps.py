from django.apps import AppConfig


class ExampleStageConfig(AppConfig):
    """A stage that exists only in the test settings: proves a stage plugs in from its own folder alone."""

    name = "tests.example_stage"
    label = "example_stage"
