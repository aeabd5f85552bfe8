"""Helpers for bundle tests against moto: an execution role, uploads with real S3 version ids, events."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from botocore.exceptions import ClientError

from orchestrator.adapters import clients
from orchestrator.adapters.clients import client
from orchestrator.local.s3_events import object_created
from orchestrator.settings import configure, get_settings


def create_function_role() -> str:
    role = client("iam").create_role(
        RoleName="orchestrator-bundle-functions",
        AssumeRolePolicyDocument='{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", '
        '"Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}',
    )
    arn: str = role["Role"]["Arn"]
    configure(function_role_arn=arn)
    clients.reset_clients()
    return arn


def upload(key: str, data: bytes, *, sequencer: str, bucket: str | None = None) -> dict[str, Any]:
    """Put the object in moto's bundle bucket and return the EventBridge event S3 would send for it."""
    bucket = bucket or get_settings().bundle_bucket
    put = client("s3").put_object(Bucket=bucket, Key=key, Body=data)
    return object_created(
        bucket=bucket, key=key, size=len(data), etag=put["ETag"], version_id=put.get("VersionId"),
        sequencer=sequencer,
    )  # fmt: skip


@contextmanager
def failing(operation: str, *, when: dict[str, Any]) -> Iterator[list[str]]:
    """Make one AWS operation fail (as Lambda would with a ServiceException) when its parameters match."""
    failed: list[str] = []

    def hook(model: Any, params: dict[str, Any], **_: Any) -> None:
        if model.name != operation:
            return
        body = params.get("body", b"")
        text = str(params.get("url_path", "")) + (
            body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body)
        )
        if all(json.dumps(v) in text or f"/{v}/" in text or text.endswith(f"/{v}") for v in when.values()):
            failed.append(operation)
            raise ClientError({"Error": {"Code": "ServiceException", "Message": "injected failure"}}, operation)

    clients.add_call_hook(hook)
    try:
        yield failed
    finally:
        clients.remove_call_hook(hook)


def sha256_b64(data: bytes) -> str:
    import base64

    return base64.b64encode(hashlib.sha256(data).digest()).decode()
