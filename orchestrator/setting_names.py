"""The settings' names and defaults, defined once for their two readers: the functions' pydantic-settings model
(`settings_model.py`) and the CLI's options (`cli/options.py`), a client program whose settings are its
options (typer reads their `envvar`s). Plain constants: importing this costs nothing.
"""

from __future__ import annotations

from pathlib import Path

ENV_PREFIX = "ORCHESTRATOR_"
# Variables of other tools, read under their own names.
ENDPOINT_URL_VARIABLE = "AWS_ENDPOINT_URL"
REGION_VARIABLE = "AWS_DEFAULT_REGION"
XDG_STATE_HOME_VARIABLE = "XDG_STATE_HOME"


def variable(field: str) -> str:
    """The environment variable of a setting of the orchestrator's own: `table_name` → ORCHESTRATOR_TABLE_NAME."""
    return f"{ENV_PREFIX}{field.upper()}"


# AppPack's CLI hard-codes its table name (`TableName: aws.String("apppack")` in apppackio/apppack): the
# default, so that the CLI finds the records. The stack names its table with the same constant.
DEFAULT_TABLE_NAME = "apppack"
DEFAULT_SSM_PREFIX = "apppack"
SSM_PREFIX_PATTERN = r"^[A-Za-z0-9_.\-]+$"
DEFAULT_CLUSTER_NAME = "orchestrator"
DEFAULT_REGION = "us-east-1"
DEFAULT_AWS_MAX_ATTEMPTS = 5


def emulator_state_dir(local_state_dir: Path | None, xdg_state_home: Path | None) -> Path:
    """The local emulator's state directory, the same wherever a command runs from: ORCHESTRATOR_LOCAL_STATE_DIR,
    else $XDG_STATE_HOME/orchestrator/local (~/.local/state/orchestrator/local)."""
    if local_state_dir is not None:
        return local_state_dir
    return (xdg_state_home or Path.home() / ".local" / "state") / "orchestrator" / "local"
