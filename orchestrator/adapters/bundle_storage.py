"""The bundle bucket: uploaded bundles (`bundles/`), static assets (`static/`) and manifests (`manifests/`).

Writes are skipped when the object already holds the same bytes (compared by a sha256 kept in the
object's metadata), so redeploying an unchanged bundle writes nothing.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from orchestrator.adapters.clients import client
from orchestrator.bounded_json import load_json
from orchestrator.settings import get_settings

SHA_META = "sha256"
_MISSING = {"NoSuchKey", "404", "NoSuchVersion", "NotFound"}


class ObjectTooLargeError(ValueError):
    pass


@dataclass(frozen=True)
class StoredObject:
    key: str
    version_id: str | None
    etag: str


def _missing(error: ClientError) -> bool:
    return error.response.get("Error", {}).get("Code") in _MISSING


class BundleStorage:
    def __init__(self, bucket: str | None = None) -> None:
        self._bucket = bucket

    @property
    def bucket(self) -> str:
        return self._bucket or get_settings().bundle_bucket

    @property
    def _s3(self) -> Any:
        return client("s3")

    def read(self, key: str, version_id: str | None = None, *, max_bytes: int) -> bytes | None:
        """The object's bytes (that version when given), or None when it does not exist.
        Refuses objects over `max_bytes` before reading them, and streams with that cap."""
        kwargs: dict[str, Any] = {"Bucket": self.bucket, "Key": key}
        if version_id and version_id != "null":
            kwargs["VersionId"] = version_id
        try:
            response = self._s3.get_object(**kwargs)
        except ClientError as error:
            if _missing(error):
                return None
            raise
        if int(response.get("ContentLength", 0)) > max_bytes:
            response["Body"].close()
            raise ObjectTooLargeError(
                f"s3://{self.bucket}/{key} is {response['ContentLength']} bytes (at most {max_bytes})"
            )
        out = bytearray()
        for chunk in response["Body"].iter_chunks(1024 * 1024):
            out += chunk
            if len(out) > max_bytes:
                raise ObjectTooLargeError(f"s3://{self.bucket}/{key} is over {max_bytes} bytes")
        return bytes(out)

    def stored_sha256(self, key: str) -> str | None:
        try:
            response = self._s3.head_object(Bucket=self.bucket, Key=key)
        except ClientError as error:
            if _missing(error):
                return None
            raise
        value = response.get("Metadata", {}).get(SHA_META)
        return str(value) if value else None

    def put(self, key: str, data: bytes, content_type: str) -> StoredObject:
        response = self._s3.put_object(
            Bucket=self.bucket,
            Key=key,
            Body=data,
            ContentType=content_type,
            Metadata={SHA_META: hashlib.sha256(data).hexdigest()},
        )
        return StoredObject(key=key, version_id=response.get("VersionId"), etag=str(response.get("ETag", "")))

    def put_if_changed(self, key: str, data: bytes, content_type: str) -> bool:
        """Write the object unless it already holds these bytes. True when it was written."""
        if self.stored_sha256(key) == hashlib.sha256(data).hexdigest():
            return False
        self.put(key, data, content_type)
        return True

    def put_json_if_changed(self, key: str, document: Any) -> bool:
        body = json.dumps(document, indent=2, sort_keys=True).encode()
        return self.put_if_changed(key, body, "application/json")

    def read_json(self, key: str, *, max_bytes: int = 1024 * 1024) -> Any | None:
        data = self.read(key, max_bytes=max_bytes)
        return None if data is None else load_json(data, what=key, max_bytes=max_bytes)

    def delete(self, key: str) -> None:
        self._s3.delete_object(Bucket=self.bucket, Key=key)

    def list_keys(self, prefix: str) -> list[str]:
        keys: list[str] = []
        for page in self._s3.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix):
            keys.extend(item["Key"] for item in page.get("Contents", []))
        return keys

    def delete_prefix(self, prefix: str) -> int:
        keys = self.list_keys(prefix)
        for start in range(0, len(keys), 1000):
            batch = keys[start : start + 1000]
            self._s3.delete_objects(Bucket=self.bucket, Delete={"Objects": [{"Key": k} for k in batch], "Quiet": True})
        return len(keys)
