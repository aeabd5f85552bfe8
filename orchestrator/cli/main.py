"""`orchestrator`: the operator CLI. Works against AWS or the local emulator (--endpoint-url).

Startup is kept cheap: this module and the command modules import only typer and rich. boto3, pydantic
models and Powertools load when a command first needs them, so `--help` costs less than `import boto3`.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import typer

from orchestrator import setting_names as names
from orchestrator.cli.failures import describe_failure
from orchestrator.cli.output import say_error

# Every command: name → (its module under orchestrator.cli, the attribute), in the order they are added. A
# typer app is a group, a function a command. A command line that names one loads that module only, and
# typer builds that command only (`build list` does not pay for the other seventeen).
COMMANDS: dict[str, tuple[str, str]] = {
    "events": ("events", "app"),
    "bundle": ("bundle", "app"),
    "demo": ("demo", "demo"),
    "dashboard": ("dashboard", "dashboard"),
    "local": ("local", "app"),
    "build": ("build", "app"),
    "config": ("config", "app"),
    "ps": ("ps", "app"),
    "scheduled-tasks": ("scheduled_tasks", "app"),
    "access": ("access", "app"),
    "domains": ("domains", "app"),
    "review-apps": ("review_apps", "app"),
    "apps": ("apps", "apps"),
    "open": ("open_app", "open_app"),
    "logs": ("logs", "logs"),
    "releases": ("releases", "releases"),
    "rollback": ("rollback", "rollback"),
    "run": ("run", "run"),
}


def build_app(only: str | None = None) -> typer.Typer:
    """The CLI: every command, or only the one named `only` (with the same global options)."""
    built = typer.Typer(
        name="orchestrator",
        help="Operate the orchestrator: builds, config, processes, scheduled tasks, access, bundles, the emulator.",
        no_args_is_help=True,
        pretty_exceptions_enable=False,
        rich_markup_mode=None,  # help text is plain: a `[...]` in a docstring stays as written
    )
    built.callback()(global_options)
    for name, (module, attribute) in COMMANDS.items():
        if only is None or name == only:
            target = getattr(importlib.import_module(f"orchestrator.cli.{module}"), attribute)
            if isinstance(target, typer.Typer):
                built.add_typer(target, name=name)
            else:
                built.command(name=name)(target)
    return built


def __getattr__(name: str) -> typer.Typer:
    """`from orchestrator.cli.main import app`: the whole CLI, built on first access (PEP 562)."""
    if name == "app":
        whole = build_app()
        globals()["app"] = whole
        return whole
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _version(show: bool) -> None:
    if show:
        from importlib.metadata import PackageNotFoundError, version

        try:
            typer.echo(f"orchestrator {version('orchestrator')}")
        except PackageNotFoundError:
            typer.echo("orchestrator (not installed)")
        raise typer.Exit(0)


HELP_ONLY = "help_only"


def _help_only(args: list[str]) -> bool:
    """Whether the command line only asks for help: then nothing is set up (no settings, no AWS SDK)."""
    return not args or "--help" in args


def global_options(
    ctx: typer.Context,
    endpoint_url: str | None = typer.Option(
        None, "--endpoint-url", envvar=names.ENDPOINT_URL_VARIABLE, help="AWS endpoint (the local emulator's URL)."
    ),
    region: str = typer.Option(names.DEFAULT_REGION, "--region", envvar=names.REGION_VARIABLE, help="AWS region."),
    table_name: str = typer.Option(
        names.DEFAULT_TABLE_NAME, "--table", envvar=names.variable("table_name"), help="The orchestrator's DynamoDB table."
    ),
    ssm_prefix: str = typer.Option(
        names.DEFAULT_SSM_PREFIX, "--ssm-prefix", envvar=names.variable("ssm_prefix"),
        help="The SSM parameters' prefix (/<prefix>/apps/...).",
    ),
    cluster_name: str = typer.Option(
        names.DEFAULT_CLUSTER_NAME, "--cluster", envvar=names.variable("cluster_name"),
        help="The ECS cluster of apps whose settings name none.",
    ),
    max_attempts: int = typer.Option(
        names.DEFAULT_AWS_MAX_ATTEMPTS, "--max-attempts", envvar=names.variable("aws_max_attempts"), min=1,
        help="Attempts per AWS call (1 against the emulator).",
    ),
    # Where the emulator keeps its state: read from the environment only (`local` commands take --state-dir).
    local_state_dir: Path | None = typer.Option(None, envvar=names.variable("local_state_dir"), hidden=True),
    xdg_state_home: Path | None = typer.Option(None, envvar=names.XDG_STATE_HOME_VARIABLE, hidden=True),
    _: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit.", show_default=False
    ),
) -> None:
    if (ctx.obj or {}).get(HELP_ONLY):
        return
    from orchestrator.cli.setup import configure_cli

    configure_cli(
        endpoint_url=endpoint_url, region=region, table_name=table_name, ssm_prefix=ssm_prefix,
        cluster_name=cluster_name, max_attempts=max_attempts, local_state_dir=local_state_dir,
        xdg_state_home=xdg_state_home,
    )  # fmt: skip


def _print_help(app: typer.Typer, args: list[str]) -> bool:
    """Print the help `args` ask for and return True; False when they name no known command (then typer
    parses them and reports the usage error). typer 0.29 builds a pydantic validator for every option
    it parses on the way to `--help`, even an absent one: that import is most of a group's `--help`. So the
    command is found and its help rendered with click's own Context and get_help, parsing no option."""
    command = typer.main.get_command(app)
    ctx = typer.Context(command, info_name="orchestrator")
    for word in args:
        if word == "--help":
            break
        if word.startswith("-") or not isinstance(command, typer.core.TyperGroup):
            return False  # an option before --help, or words after a command: let typer parse them
        sub = command.get_command(ctx, word)
        if sub is None:
            return False
        command, ctx = sub, typer.Context(sub, info_name=word, parent=ctx)
    typer.echo(command.get_help(ctx))
    return True


def entry() -> None:
    """The console script: `main`, in a process that ends without the interpreter's teardown (process_end.py)."""
    from orchestrator.cli.process_end import end_without_teardown

    end = end_without_teardown()
    try:
        main()
    except SystemExit as exit_:
        end.record(exit_.code)
        raise
    except BaseException:
        end.record(1)  # Python prints the traceback, then exits 1
        raise


def main() -> None:
    """The CLI: user errors and AWS errors become one line and a non-zero exit code."""
    try:
        # Without standalone mode, click returns a command's typer.Exit code instead of exiting.
        args = sys.argv[1:]
        app = build_app(args[0] if args and args[0] in COMMANDS else None)
        if args and args[-1] == "--help" and _print_help(app, args):
            return
        result = app(args=args, standalone_mode=False, obj={HELP_ONLY: _help_only(args)})
        if isinstance(result, int) and result:
            sys.exit(result)
    except typer.Exit as exit_:
        sys.exit(exit_.exit_code)
    except typer.Abort:
        sys.exit(1)
    except KeyboardInterrupt:
        say_error("interrupted")
        sys.exit(130)
    except Exception as error:
        # click's usage errors (typer vendors its own click: recognised by their interface, not imported).
        if hasattr(error, "show") and hasattr(error, "exit_code"):
            error.show()
            sys.exit(int(error.exit_code))
        failure = describe_failure(error)
        if failure is None:
            raise
        say_error(failure.message, failure.prefix)
        sys.exit(failure.code)
