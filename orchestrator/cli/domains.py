"""`orchestrator domains`: an app's custom domains (the `domains` parameter, a JSON list of host names).

The CLI checks the hosts as the handler will (format, the platform's apps domain, another app's claim) and
refuses before writing; the handler then claims the hosts, requests their certificates and routes them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import typer
from rich.table import Table

from orchestrator.cli.lazy import lazy_module
from orchestrator.cli.output import AppOption, JsonOption, console, emit, fail, plain

if TYPE_CHECKING:
    from orchestrator.adapters import operator as operations
    from orchestrator.parameters.names import Target
else:
    operations = lazy_module("orchestrator.adapters.operator")

app = typer.Typer(help="Custom domains: host names an app is also served at.", no_args_is_help=True)

HostArgument = typer.Argument(..., help="A host name, e.g. www.example.com")


def _target(app_name: str) -> Target:
    target = operations.target_of(app_name)
    if target.kind == "pipeline":
        fail(f"a pipeline has no domains; give them to one of its review apps (-a {target.name}:<N>)", 2)
    return target


def _read(target: Target) -> list[str]:
    from orchestrator.parameters.names import ParameterKind

    return [str(h) for h in operations.read_json_parameter(target, ParameterKind.DOMAINS) or []]


def _well_formed(host: str) -> str:
    """The host, normalized; a malformed name exits 2 here, before anything asks AWS."""
    from orchestrator.routing.hosts import host_name_error, normalized_host

    clean = normalized_host(host)
    malformed = host_name_error(clean)
    if malformed is not None:
        fail(malformed, 2)
    return clean


def _checked(target: Target, clean: str) -> str:
    from orchestrator.adapters.store import Store
    from orchestrator.parameters.domains import host_refusal
    from orchestrator.pipeline.apps import AppRef
    from orchestrator.routing.domains import platform_of

    ref, store = AppRef(target.key), Store()
    refusal = host_refusal(ref, clean, store, platform_of(ref, store)[0])
    if refusal is not None:
        fail(refusal, 2)
    return clean


def _write(target: Target, hosts: list[str]) -> None:
    from orchestrator.parameters.names import ParameterKind

    operations.write_json_parameter(target, ParameterKind.DOMAINS, hosts)


def _statuses(target: Target, hosts: list[str]) -> list[dict[str, Any]]:
    from orchestrator.pipeline.apps import AppRef
    from orchestrator.routing.domains import DomainDeps, domain_statuses

    return [s.as_json() for s in domain_statuses(AppRef(target.key), hosts, DomainDeps())]


def _render(statuses: list[dict[str, Any]]) -> None:
    table = Table("domain", "certificate", "on the listener", "CNAME to")
    for status in statuses:
        table.add_row(plain(status["host"]), plain(status["certificate"]), plain(status["listener"] or "-"),
                      plain(status["cname"]))  # fmt: skip
    console.print(table)


def _render_records(statuses: list[dict[str, Any]]) -> None:
    table = Table("DNS record to create", "type", "value")
    for status in statuses:
        if status["validation"]:
            record = status["validation"]
            table.add_row(plain(record["name"]), plain(record["type"]), plain(record["value"]))
        table.add_row(plain(status["host"]), "CNAME (or alias)", plain(status["cname"] or "the load balancer"))
    console.print(table)
    if any(not s["validation"] for s in statuses):
        console.print("The certificate is being requested: `orchestrator domains list` shows its validation record.")


@app.command("list")
def list_(app_name: str = AppOption, as_json: bool = JsonOption) -> None:
    """The app's custom domains, their certificates (pending, attached to the listener) and the DNS name
    they point to."""
    target = _target(app_name)
    emit(_statuses(target, _read(target)), as_json, _render)


@app.command()
def add(host: str = HostArgument, app_name: str = AppOption, as_json: bool = JsonOption) -> None:
    """Serve the app at HOST too; prints the DNS records to create."""
    well_formed = _well_formed(host)
    target = _target(app_name)
    clean = _checked(target, well_formed)
    current = _read(target)
    if clean not in current:
        _write(target, [*current, clean])
    emit(_statuses(target, [clean]), as_json, _render_records)


@app.command()
def remove(host: str = HostArgument, app_name: str = AppOption, as_json: bool = JsonOption) -> None:
    """Stop serving the app at HOST (its certificate is deleted)."""
    clean = _well_formed(host)
    target = _target(app_name)
    current = _read(target)
    if clean not in current:
        fail(f"{clean!r} is not a domain of {target.key}", 1)
    remaining = [h for h in current if h != clean]
    _write(target, remaining)
    emit(_statuses(target, remaining), as_json, _render)
