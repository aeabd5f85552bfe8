"""The artifacts bucket: build outputs under <app>/<build_number>/."""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import ClientError

from orchestrator.adapters.clients import client
from orchestrator.settings import get_settings


def artifact_key(app: str, build_number: int, name: str) -> str:
    return f"{app}/{build_number}/{name}"


class Artifacts:
    def __init__(self, bucket: str | None = None) -> None:
        self._bucket = bucket

    @property
    def bucket(self) -> str:
        return self._bucket or get_settings().artifacts_bucket

    def read_text(self, key: str) -> str | None:
        """The object's text, or None when it does not exist."""
        try:
            response = client("s3").get_object(Bucket=self.bucket, Key=key)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in {"NoSuchKey", "404"}:
                return None
            raise
        body: bytes = response["Body"].read()
        return body.decode("utf-8")

    def write_json(self, key: str, data: Any) -> None:
        client("s3").put_object(
            Bucket=self.bucket,
            Key=key,
            Body=json.dumps(data, indent=2, sort_keys=True, default=str).encode(),
            ContentType="application/json",
        )

    def write_text(self, key: str, text: str) -> None:
        client("s3").put_object(Bucket=self.bucket, Key=key, Body=text.encode(), ContentType="text/plain")
