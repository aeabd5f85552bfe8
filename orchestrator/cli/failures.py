"""An exception that ends a command → one line for the terminal and an exit code (2: the user's input).

botocore and pydantic are looked up in `sys.modules`, never imported here: an error of a library that was
never loaded cannot be raised, and importing it just to compare would cost every failing command.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Any

from orchestrator.errors import UserError

# Parameter Store and the other APIs answer these for a value the user gave: the user's error, exit 2.
USER_ERROR_CODES = frozenset({"ValidationException", "InvalidParameterException", "ParameterPatternMismatch"})
# Optional dependencies → the extra that installs them.
EXTRAS = {"moto": "local", "werkzeug": "local", "flask": "local", "aws_cdk": "cdk", "constructs": "cdk"}


@dataclass(frozen=True)
class Failure:
    message: str
    code: int
    prefix: str = "error:"


def _loaded(module: str, name: str) -> Any:
    loaded = sys.modules.get(module)
    return getattr(loaded, name, None) if loaded is not None else None


def _is(error: BaseException, module: str, name: str) -> bool:
    cls = _loaded(module, name)
    return cls is not None and isinstance(error, cls)


def describe_failure(error: BaseException) -> Failure | None:
    """The line and exit code for `error`; None for a bug (left to show its traceback)."""
    if isinstance(error, UserError):
        return Failure(str(error), error.code)
    if isinstance(error, ModuleNotFoundError) and (error.name or "").split(".")[0] in EXTRAS:
        extra = EXTRAS[(error.name or "").split(".")[0]]
        return Failure(f"this command needs the '{extra}' extra: pip install 'orchestrator[{extra}]'", 1)
    if _is(error, "pydantic_core", "ValidationError"):
        first = error.errors()[0]  # type: ignore[attr-defined]
        where = ".".join(str(p) for p in first["loc"]) or "input"
        return Failure(f"invalid {where}: {first['msg']}", 2)
    if _is(error, "botocore.exceptions", "ClientError"):
        info = error.response.get("Error", {})  # type: ignore[attr-defined]
        code = str(info.get("Code"))
        return Failure(f"{code}: {info.get('Message')}", 2 if code in USER_ERROR_CODES else 1, "AWS error:")
    if _is(error, "botocore.exceptions", "NoCredentialsError"):
        hint = emulator_hint() or (
            "; set AWS_PROFILE (or run `aws configure`), or use the local emulator: "
            'eval "$(orchestrator local up)"'
        )
        return Failure(f"no AWS credentials found{hint}", 1, "AWS error:")
    if _is(error, "botocore.exceptions", "EndpointConnectionError") or _is(
        error, "botocore.exceptions", "ConnectTimeoutError"
    ):
        return Failure(f"{error}{emulator_hint()}", 1, "AWS error:")
    if _is(error, "botocore.exceptions", "BotoCoreError"):
        return Failure(str(error), 1, "AWS error:")
    return None


def emulator_hint() -> str:
    """What to do when AWS cannot be reached: use the running emulator, or start one."""
    try:
        from orchestrator.cli.emulator import state_dir_of
        from orchestrator.local.daemon import running_state
        from orchestrator.settings import adapter_settings

        settings = adapter_settings()
        state = running_state(state_dir_of(None))
    except Exception:  # the hint is a courtesy: never let it hide the error itself
        return ""
    if state is not None and settings.endpoint_url != state.get("endpoint"):
        return f"; an emulator is running: export AWS_ENDPOINT_URL={state.get('endpoint')}"
    if settings.endpoint_url is not None and state is None:
        return "; no emulator is running (start one with `orchestrator local up`)"
    return ""
