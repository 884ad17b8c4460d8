from django.apps import AppConfig


class ProjectConfig(AppConfig):
    """The project itself, for its system checks (``config.checks``)."""

    name = "config"
    label = "ldn_config"
    verbose_name = "LDN Diary configuration"

    def ready(self) -> None:
        from . import checks, db  # noqa: F401 (registers the checks and receivers)
