"""Rollback requests: `/<prefix>/apps/<app>/rollback` = `{"version": N, "request": "<id>"}`, done once.

The CLI (or anyone allowed to write the app's parameters) writes the request; the parameter handler checks
and performs it with pipeline/rollback.py. `APP#<app>` / `ROLLBACKREQUEST#<id>` says what became of it:

- **refused**: a check failed (unknown version, image gone, something still deploying); the error is there
  and nothing else changed. A refused request stays refused: redelivered, it is not checked again.
- **started**: the checks passed; `version` is the release returned to and `release` the rollback's own
  release. The request id is the rollback's claim scope, so a redelivery (or the same id written again)
  resumes a rollback that is still deploying and never repeats one that ended.
"""

from __future__ import annotations

import json
import time
from typing import Literal

from boto3.dynamodb.conditions import Attr
from pydantic import BaseModel, Field, ValidationError

from orchestrator.adapters.store import Store
from orchestrator.parameters.scaling import InvalidParameterError
from orchestrator.pipeline import keys
from orchestrator.pipeline.releases import Release, get_release, release_of_scope
from orchestrator.pipeline.rollback import (
    ROLLBACK_SCOPE,
    RollbackDeps,
    RollbackRefusedError,
    rollback_target,
    start_rollback,
)

REQUEST_PREFIX = "ROLLBACKREQUEST#"
REQUEST_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"
RequestStatus = Literal["refused", "started"]


class RollbackRequest(BaseModel, extra="forbid"):
    """The parameter's value. `version` None: the newest earlier release that deployed."""

    request: str = Field(pattern=REQUEST_ID_PATTERN)
    version: int | None = Field(default=None, ge=1)


class RequestRecord(BaseModel):
    app: str
    request: str
    status: RequestStatus
    asked_version: int | None = None
    version: int | None = None  # the release returned to (started)
    release: int | None = None  # the rollback's own release (started)
    error: str | None = None  # why it was refused
    caller: str = ""
    at: int = 0


def parse_rollback_request(text: str, source: str) -> RollbackRequest:
    try:
        return RollbackRequest.model_validate(json.loads(text))
    except (json.JSONDecodeError, ValidationError) as error:
        detail = str(error).splitlines()[0] if isinstance(error, json.JSONDecodeError) else _first_error(error)
        raise InvalidParameterError(
            f'{source}: not a rollback request ({detail}); expected {{"version": N, "request": "<id>"}}'
        ) from error


def _first_error(error: ValidationError) -> str:
    first = error.errors()[0]
    where = ".".join(str(p) for p in first["loc"]) or "value"
    return f"{where}: {first['msg']}"


def request_sk(request: str) -> str:
    return f"{REQUEST_PREFIX}{request}"


def get_request(store: Store, app: str, request: str) -> RequestRecord | None:
    item = store.get(keys.app_pk(app), request_sk(request))
    return RequestRecord.model_validate({k: v for k, v in item.items() if k in RequestRecord.model_fields}) if item else None


def refused_since(store: Store, app: str, at: int) -> list[RequestRecord]:
    """Refused requests made at or after `at` (the newest release's time), newest first: what `releases` adds."""
    items = store.query(keys.app_pk(app), REQUEST_PREFIX)
    found = [RequestRecord.model_validate({k: v for k, v in i.items() if k in RequestRecord.model_fields}) for i in items]
    return sorted((r for r in found if r.status == "refused" and r.at >= at), key=lambda r: r.at, reverse=True)


def _put(store: Store, record: RequestRecord) -> RequestRecord:
    """The first record of a request wins (a duplicate's check may have seen a later state)."""
    item = {"primary_id": keys.app_pk(record.app), "secondary_id": request_sk(record.request),
            **record.model_dump(mode="json")}  # fmt: skip
    if store.put_if_absent(item):
        return record
    return get_request(store, record.app, record.request) or record


def perform_rollback_request(app: str, asked: RollbackRequest, caller: str, deps: RollbackDeps) -> RequestRecord:
    """Check and perform the request once; a repeated request returns what became of it (resuming a rollback
    that is still deploying, each effect once)."""
    known = get_request(deps.store, app, asked.request)
    if known is not None and known.status == "refused":
        return known
    if known is None:
        try:
            target = rollback_target(app, asked.version, deps)
        except RollbackRefusedError as error:
            return _put(deps.store, RequestRecord(
                app=app, request=asked.request, status="refused", asked_version=asked.version, error=str(error),
                caller=caller, at=int(time.time()),
            ))  # fmt: skip
        known = _put(deps.store, RequestRecord(
            app=app, request=asked.request, status="started", asked_version=asked.version, version=target.version,
            caller=caller, at=int(time.time()),
        ))  # fmt: skip
        if known.status == "refused":
            return known
    assert known.version is not None
    release = release_of_scope(deps.store, app, f"{ROLLBACK_SCOPE}{asked.request}")
    if release is not None and release.status != "deploying":
        return _with_release(deps.store, known, release)  # ended: a late duplicate never redoes it
    target_release = get_release(deps.store, app, known.version)
    if target_release is None:  # only if the target was deleted by hand since the check
        raise RollbackRefusedError(f"release v{known.version} disappeared after the rollback was checked")
    release = start_rollback(app, target_release, asked.request, known.caller or caller, deps)
    return _with_release(deps.store, known, release)


def _with_release(store: Store, record: RequestRecord, release: Release) -> RequestRecord:
    if record.release != release.version:
        pk, sk = keys.app_pk(record.app), request_sk(record.request)
        store.set_fields_if(pk, sk, {"release": release.version}, Attr("primary_id").exists())
        record = record.model_copy(update={"release": release.version})
    return record
