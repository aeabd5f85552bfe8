"""Parameter names → typed references.

    /<prefix>/apps/<app>/config/<VAR>                          config variable of an app
    /<prefix>/apps/<app>/{scaling,scheduled-tasks,users,domains,rollback}
    /<prefix>/pipelines/<p>/config/<VAR>                       pipeline config (shared by its review apps)
    /<prefix>/pipelines/<p>/{scaling,scheduled-tasks,users}
    /<prefix>/pipelines/<p>/review-apps/pr/<N>/config/<VAR>    a review app's own config
    /<prefix>/pipelines/<p>/review-apps/pr/<N>/{scaling,scheduled-tasks,domains,rollback}
    /<prefix>/pipelines/<p>/review-apps/pr/<N>                 a review app's status (AppPack's JSON)
    /<prefix>/account/administrators

Any other name (outside the prefix, or an unknown shape under it) parses to None: not managed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from orchestrator.pipeline import keys

TargetKind = Literal["app", "pipeline", "review_app", "account"]
_NAME = r"[a-z][a-z0-9-]{1,40}"  # app_registry.APP_NAME_PATTERN
_VAR = r"[A-Za-z_][A-Za-z0-9_.\-]*"
ACCOUNT_PK = "ACCOUNT"


class ParameterKind(StrEnum):
    CONFIG = "config"
    SCALING = "scaling"
    SCHEDULED_TASKS = "scheduled-tasks"
    USERS = "users"
    DOMAINS = "domains"
    ADMINISTRATORS = "administrators"
    ROLLBACK = "rollback"  # a rollback request: {"version": N, "request": id}
    REVIEW_APP_STATUS = "review-app-status"  # the parameter named after the review app itself


@dataclass(frozen=True, order=True)
class Target:
    """What a parameter steers: an app, a pipeline, one review app of a pipeline, or the account."""

    kind: TargetKind
    name: str
    pr: str | None = None

    @classmethod
    def of_deployed(cls, key: str) -> Target:
        """The target a deployed app key names: `demo` → app, `pipe:12` → review app 12 of `pipe`.
        (A pipeline itself never deploys, so a key without `:` is an app.)"""
        if ":" in key:
            pipeline, pr = key.split(":", 1)
            return cls("review_app", pipeline, pr)
        return cls("app", key)

    @property
    def key(self) -> str:
        """The AppPack app key: `demo`, a pipeline's `pipe`, a review app's `pipe:12`."""
        return f"{self.name}:{self.pr}" if self.pr is not None else self.name

    @property
    def pk(self) -> str:
        return ACCOUNT_PK if self.kind == "account" else keys.app_pk(self.key)

    @property
    def pipeline(self) -> str | None:
        return self.name if self.kind in ("pipeline", "review_app") else None

    def describe(self) -> str:
        if self.kind == "review_app":
            return f"review app #{self.pr} of pipeline {self.name!r}"
        if self.kind == "account":
            return "the account"
        return f"{self.kind} {self.name!r}"


@dataclass(frozen=True)
class ParameterRef:
    name: str  # full name with leading slash
    prefix: str
    kind: ParameterKind
    target: Target
    variable: str | None = None  # config/<VAR>

    def describe(self) -> str:
        what = f"config variable {self.variable}" if self.kind is ParameterKind.CONFIG else str(self.kind)
        return f"{what} of {self.target.describe()}"


def _target_pattern(prefix: str) -> re.Pattern[str]:
    base = re.escape(prefix)
    return re.compile(
        rf"^/{base}/(?:"
        rf"apps/(?P<app>{_NAME})"
        rf"|pipelines/(?P<pipeline>{_NAME})(?:/review-apps/pr/(?P<pr>[1-9][0-9]{{0,9}}))?"
        rf")/(?:config/(?P<var>{_VAR})|(?P<kind>scaling|scheduled-tasks|users|domains|rollback))$"
    )


def _status_pattern(prefix: str) -> re.Pattern[str]:
    return re.compile(rf"^/{re.escape(prefix)}/pipelines/(?P<pipeline>{_NAME})/review-apps/pr/(?P<pr>[1-9][0-9]{{0,9}})$")


def parameter_path(name: str) -> str:
    return name if name.startswith("/") else f"/{name}"


def parse_parameter_name(name: str, prefix: str) -> ParameterRef | None:
    """The typed reference for `name`, or None when the orchestrator does not manage it."""
    path = parameter_path(name)
    if path == f"/{prefix}/account/administrators":
        return ParameterRef(path, prefix, ParameterKind.ADMINISTRATORS, Target("account", "account"))
    status = _status_pattern(prefix).match(path)
    if status is not None:
        review_app = Target("review_app", status["pipeline"], status["pr"])
        return ParameterRef(path, prefix, ParameterKind.REVIEW_APP_STATUS, review_app)
    found = _target_pattern(prefix).match(path)
    if found is None:
        return None
    target: Target
    if found["app"]:
        target = Target("app", found["app"])
    elif found["pr"]:
        target = Target("review_app", found["pipeline"], found["pr"])
    else:
        target = Target("pipeline", found["pipeline"])
    if found["var"]:
        return ParameterRef(path, prefix, ParameterKind.CONFIG, target, variable=found["var"])
    return ParameterRef(path, prefix, ParameterKind(found["kind"]), target)


def target_root(target: Target, prefix: str) -> str:
    """The parameter path under which a target's parameters live."""
    if target.kind == "app":
        return f"/{prefix}/apps/{target.name}"
    if target.kind == "pipeline":
        return f"/{prefix}/pipelines/{target.name}"
    if target.kind == "review_app":
        return f"/{prefix}/pipelines/{target.name}/review-apps/pr/{target.pr}"
    return f"/{prefix}/account"


def config_path(target: Target, prefix: str) -> str:
    return f"{target_root(target, prefix)}/config"


def kind_name(target: Target, kind: ParameterKind, prefix: str) -> str:
    """The full name of a target's scaling/scheduled-tasks/users parameter."""
    if kind is ParameterKind.ADMINISTRATORS:
        return f"/{prefix}/account/administrators"
    if kind is ParameterKind.REVIEW_APP_STATUS:
        return target_root(target, prefix)
    return f"{target_root(target, prefix)}/{kind.value}"
