"""Builders of S3 "Object Created" events as S3 sends them to EventBridge
(https://docs.aws.amazon.com/AmazonS3/latest/userguide/ev-events.html; tests/fixtures/aws-events/s3_object_created.json)."""

from __future__ import annotations

import itertools
import time
import uuid
from datetime import datetime
from typing import Any

from orchestrator.local.aws_events import ACCOUNT, envelope

_counter = itertools.count(1)


def next_sequencer() -> str:
    """A fresh S3-style sequencer: hex, increasing within this process (S3's are per key and ordered)."""
    return f"{time.time_ns():016X}{next(_counter):04X}"


def object_created(
    *, bucket: str, key: str, size: int, etag: str, version_id: str | None = None, sequencer: str | None = None,
    region: str = "us-east-1", reason: str = "PutObject", when: datetime | None = None,
    event_id: str | None = None, requester: str = ACCOUNT,
) -> dict[str, Any]:  # fmt: skip
    obj: dict[str, Any] = {"key": key, "size": size, "etag": etag.strip('"')}
    if version_id is not None:
        obj["version-id"] = version_id
    obj["sequencer"] = sequencer or next_sequencer()
    detail = {
        "version": "0",
        "bucket": {"name": bucket},
        "object": obj,
        "request-id": uuid.uuid4().hex[:16].upper(),
        "requester": requester,
        "source-ip-address": "127.0.0.1",
        "reason": reason,
    }
    return envelope(
        "aws.s3", "Object Created", detail, resources=[f"arn:aws:s3:::{bucket}"], region=region, when=when,
        event_id=event_id,
    )  # fmt: skip
