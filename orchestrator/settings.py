"""The one settings model. Only this module (and the model it builds, `settings_model.py`) reads the environment.

The CDK stack sets these variables on every Lambda; the local emulator sets the same ones. The model is
imported on the first `get_settings()` (or `Settings`), not when this module is: a handler's cold import and
the CLI's `--help` do not pay for pydantic-settings.

The CLI is a client program: its settings are its options (typer reads their environment variables, named
in `setting_names.py` like the model's). It hands what the adapters need to `use_explicit()`; the adapters
read `adapter_settings()`, which then never builds the model, so a table command does not import
pydantic-settings. A command that needs another setting still gets the model, with the CLI's values on top.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace
from functools import lru_cache
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from orchestrator.setting_names import DEFAULT_TABLE_NAME as DEFAULT_TABLE_NAME

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


@dataclass(frozen=True)
class AdapterSettings:
    """What the adapters read: where AWS is, how often to try, and the names of the records. Fields of the
    settings model, same names."""

    table_name: str
    ssm_prefix: str
    cluster_name: str
    region: str
    endpoint_url: str | None
    aws_max_attempts: int


_ADAPTER_FIELDS = frozenset(f.name for f in fields(AdapterSettings))
_overrides: dict[str, object] = {}
_explicit: AdapterSettings | None = None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    from orchestrator.settings_model import Settings as Settings

    settings = Settings()
    updates = {**_overrides, **(asdict(_explicit) if _explicit is not None else {})}
    return settings.model_copy(update=updates) if updates else settings


def adapter_settings() -> AdapterSettings:
    """The explicit settings a client program gave (`use_explicit`), else the model's."""
    if _explicit is not None:
        return _explicit
    settings = get_settings()
    return AdapterSettings(**{name: getattr(settings, name) for name in _ADAPTER_FIELDS})


def use_explicit(settings: AdapterSettings) -> None:
    """A client program (the CLI) read these itself: the adapters use them as given, without the model.
    What this process was already pointed at with `configure()` (an in-process emulator, a test) still wins:
    a command run inside it talks to that AWS."""
    global _explicit
    _explicit = replace(settings, **{k: v for k, v in _overrides.items() if k in _ADAPTER_FIELDS})  # type: ignore[arg-type]
    get_settings.cache_clear()


def configure(**overrides: object) -> Settings:
    """Override settings for this process (the emulator's endpoint and resource names, tests)."""
    global _explicit
    given = {k: v for k, v in overrides.items() if v is not None}
    _overrides.update(given)
    if _explicit is not None:
        _explicit = replace(_explicit, **{k: v for k, v in given.items() if k in _ADAPTER_FIELDS})  # type: ignore[arg-type]
    get_settings.cache_clear()
    return get_settings()


def reset_settings() -> None:
    """Forget overrides, explicit and cached settings (the emulator and tests change the environment)."""
    global _explicit
    _overrides.clear()
    _explicit = None
    get_settings.cache_clear()


def __getattr__(name: str) -> type[Settings]:
    """`from orchestrator.settings import Settings` (PEP 562: the model is imported on first access)."""
    if name == "Settings":
        from orchestrator.settings_model import Settings

        return Settings
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
