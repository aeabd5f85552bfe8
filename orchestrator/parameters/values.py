"""A parameter's current value, read and validated: the one place that decides whether a value is rejected.

The handler records the message of an `InvalidParameterError` raised here; `events explain` calls the same
functions on the same value, so what it predicts is what the handler would record. Reads only.
"""

from __future__ import annotations

from orchestrator.adapters.parameters import Parameters
from orchestrator.adapters.store import Store
from orchestrator.parameters.access import parse_access_list
from orchestrator.parameters.context import load_context
from orchestrator.parameters.domains import domains_refusal, parse_domains
from orchestrator.parameters.names import ParameterKind, ParameterRef, Target, kind_name
from orchestrator.parameters.scaling import InvalidParameterError, ScalingSpec, parse_scaling
from orchestrator.parameters.schedules import ScheduledTask, parse_scheduled_tasks, scheduled_tasks_refused
from orchestrator.pipeline.apps import AppRef
from orchestrator.settings import get_settings

ABSENT = "absent"


class Undecrypted(str):
    """A SecureString's value as GetParameter returns it without decryption: ciphertext, never parsed."""

    __slots__ = ()


def text_of(value: str, name: str) -> str:
    if isinstance(value, Undecrypted):
        raise InvalidParameterError(f"{name} must be a String parameter, not a SecureString (it is never decrypted)")
    return value


def value_of(parameters: Parameters, names: list[str]) -> tuple[str | None, str, str]:
    """(value, fingerprint, name) of the first existing parameter of `names`; (None, ABSENT, first name)."""
    for name in names:
        found = parameters.get(name)
        if found is not None:
            value = Undecrypted(found.value) if found.type == "SecureString" else found.value
            return value, found.fingerprint, name
    return None, ABSENT, names[0]


def scaling_names(target: Target, prefix: str) -> list[str]:
    """Where a target's scaling is read: its own parameter, then (review apps) the pipeline's."""
    names = [kind_name(target, ParameterKind.SCALING, prefix)]
    if target.kind == "review_app":
        names.append(kind_name(Target("pipeline", target.name), ParameterKind.SCALING, prefix))
    return names


def emails_of(value: str | None, ref: ParameterRef) -> list[str]:
    return parse_access_list(text_of(value, ref.name), str(ref.kind)) if value is not None else []


def scaling_of(value: str | None, source: str, known: list[str] | None = None) -> ScalingSpec:
    """`known`: the deployed process types (a spec naming another one is rejected), None before a deploy."""
    return parse_scaling(text_of(value, source), known) if value is not None else ScalingSpec({})


def tasks_of(value: str | None, name: str) -> list[ScheduledTask]:
    return parse_scheduled_tasks(text_of(value, name)) if value is not None else []


def refused_tasks_message(target: Target, name: str) -> str | None:
    """Why scheduled tasks written at `name` are rejected whatever their value (review apps, pipelines)."""
    refused = scheduled_tasks_refused(target)
    return None if refused is None else f"{refused}; remove {name}"


def rejection(ref: ParameterRef, store: Store, parameters: Parameters, prefix: str) -> str | None:
    """The error the handler would record for `ref`'s current value, or None when it would take it.
    Config is never rejected by value (its values are never read)."""
    target = ref.target
    try:
        if ref.kind is ParameterKind.SCALING:
            if target.kind == "pipeline":
                value, _, source = value_of(parameters, [ref.name])
                scaling_of(value, source)
                return None
            ctx = load_context(store, target)
            if ctx is None:
                return None
            value, _, source = value_of(parameters, scaling_names(target, prefix))
            scaling_of(value, source, ctx.process_names if ctx.deployed else None)
        elif ref.kind is ParameterKind.SCHEDULED_TASKS:
            value, _, _ = value_of(parameters, [ref.name])
            refused = refused_tasks_message(target, ref.name)
            if refused is not None:
                return refused if value is not None else None
            tasks_of(value, ref.name)
        elif ref.kind is ParameterKind.DOMAINS and target.kind != "pipeline":
            value, _, _ = value_of(parameters, [ref.name])
            hosts = parse_domains(text_of(value, ref.name), ref.name) if value is not None else []
            domains_refusal(AppRef(target.key), hosts, store, get_settings().apps_domain, ref.name)
        elif ref.kind is ParameterKind.ROLLBACK and target.kind != "pipeline":
            from orchestrator.pipeline.rollback_requests import parse_rollback_request

            value = value_of(parameters, [ref.name])[0]
            if value is not None:
                parse_rollback_request(text_of(value, ref.name), ref.name)
        elif ref.kind in (ParameterKind.USERS, ParameterKind.ADMINISTRATORS) and target.kind != "review_app":
            emails_of(value_of(parameters, [ref.name])[0], ref)
    except InvalidParameterError as error:
        return str(error)
    return None
