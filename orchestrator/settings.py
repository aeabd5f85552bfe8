"""The one settings model. Only this module (and the model it builds, `settings_model.py`) reads the environment.

The CDK stack sets these variables on every Lambda; the local emulator sets the same ones. The model is
imported on the first `get_settings()` (or `Settings`), not when this module is: a handler's cold import and
the CLI's `--help` do not pay for pydantic-settings.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from orchestrator.settings_model import Settings as Settings


def endpoint_url_or_none(value: str | None) -> str | None:
    """An endpoint URL as botocore needs it (http or https, a host, maybe a port); empty means none.
    Raises ValueError naming what is wrong, so a bad value never reaches botocore."""
    if value is None or not value.strip():
        return None
    try:
        parts = urlsplit(value.strip())
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number in range
    except ValueError as error:
        raise ValueError(f"{value!r} is not a URL ({error})") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{value!r} is not an http(s) URL with a host, like http://127.0.0.1:4566")
    return value.strip()


# AppPack's CLI hard-codes its table name (`TableName: aws.String("apppack")` in apppackio/apppack): the
# default, so that the CLI finds the records. The stack names its table with the same constant.
DEFAULT_TABLE_NAME = "apppack"


_overrides: dict[str, object] = {}


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    from orchestrator.settings_model import Settings as Settings

    settings = Settings()
    return settings.model_copy(update=_overrides) if _overrides else settings


def configure(**overrides: object) -> Settings:
    """Override settings for this process (the CLI's --endpoint-url, the emulator's resource names)."""
    _overrides.update({k: v for k, v in overrides.items() if v is not None})
    get_settings.cache_clear()
    return get_settings()


def reset_settings() -> None:
    """Forget overrides and cached settings (the emulator and tests change the environment)."""
    _overrides.clear()
    get_settings.cache_clear()


def __getattr__(name: str) -> type[Settings]:
    """`from orchestrator.settings import Settings` (PEP 562: the model is imported on first access)."""
    if name == "Settings":
        from orchestrator.settings_model import Settings

        return Settings
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
