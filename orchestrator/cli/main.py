"""`orchestrator`: the operator CLI. Works against AWS or the local emulator (--endpoint-url)."""

from __future__ import annotations

import logging
import sys

import typer
from botocore.exceptions import BotoCoreError, ClientError
from pydantic import ValidationError

from orchestrator.cli import access, apps, build, bundle, config, demo, events, local, ps, scheduled_tasks
from orchestrator.cli.output import errors
from orchestrator.errors import UserError
from orchestrator.settings import configure

app = typer.Typer(
    name="orchestrator",
    help="Operate the orchestrator: builds, config, processes, scheduled tasks, access, bundles, the emulator.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(events.app, name="events")
app.add_typer(bundle.app, name="bundle")
app.command(name="demo")(demo.demo)
app.add_typer(local.app, name="local")
app.add_typer(build.app, name="build")
app.add_typer(config.app, name="config")
app.add_typer(ps.app, name="ps")
app.add_typer(scheduled_tasks.app, name="scheduled-tasks")
app.add_typer(access.app, name="access")
app.command(name="apps")(apps.apps)


@app.callback()
def global_options(
    endpoint_url: str | None = typer.Option(
        None, "--endpoint-url", envvar="AWS_ENDPOINT_URL", help="AWS endpoint (the local emulator's URL)."
    ),
    region: str | None = typer.Option(None, "--region", envvar="AWS_DEFAULT_REGION", help="AWS region."),
) -> None:
    configure(endpoint_url=endpoint_url, region=region)
    # The domain code logs through Powertools (JSON lines on stdout, as Lambda wants); in the CLI, stdout is
    # for results (`--json` must parse), so its log lines go to stderr.
    from orchestrator.observability import logger

    handler = logger.registered_handler
    if isinstance(handler, logging.StreamHandler):
        handler.setStream(sys.stderr)
    if endpoint_url and ("127.0.0.1" in endpoint_url or "localhost" in endpoint_url):
        from orchestrator.local.server import ensure_local_credentials

        ensure_local_credentials()  # the emulator accepts any credentials; none are needed


def main() -> None:
    """Console entry point: user errors and AWS errors become one line and a non-zero exit code."""
    try:
        # Without standalone mode, click returns a command's typer.Exit code instead of exiting.
        result = app(standalone_mode=False)
        if isinstance(result, int) and result:
            sys.exit(result)
    except UserError as error:
        errors.print(f"[red]error:[/] {error}", highlight=False)
        sys.exit(error.code)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        errors.print(f"[red]error:[/] invalid {where}: {first['msg']}", highlight=False)
        sys.exit(2)
    except ClientError as error:
        info = error.response.get("Error", {})
        errors.print(f"[red]AWS error:[/] {info.get('Code')}: {info.get('Message')}", highlight=False)
        sys.exit(1)
    except BotoCoreError as error:
        errors.print(f"[red]AWS error:[/] {error}", highlight=False)
        sys.exit(1)
    except typer.Exit as exit_:
        sys.exit(exit_.exit_code)
    except typer.Abort:
        sys.exit(1)
    except Exception as error:  # click's usage errors arrive here in non-standalone mode
        import click

        # typer >= 0.25 raises its vendored click's exceptions: recognise both by their interface.
        if isinstance(error, click.ClickException) or (hasattr(error, "show") and hasattr(error, "exit_code")):
            error.show()
            sys.exit(int(getattr(error, "exit_code", 2)))
        raise
