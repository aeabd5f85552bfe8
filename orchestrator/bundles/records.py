"""DynamoDB items of function-app bundles (single table, Query by key, never Scan).

| primary_id          | secondary_id          | holds                                                        |
|---------------------|-----------------------|--------------------------------------------------------------|
| `BUNDLE#<app_id>`   | `VERSION#<version>`   | one app version: state, step, error, functions, `published`  |
| `BUNDLE#<app_id>`   | `LEASE#<version>`     | who is deploying that version right now (deleted when done)  |
| `BUNDLES`           | `APP#<app_id>`        | index of apps, for `bundle list`                             |
| `BUNDLE_UPLOADS`    | `KEY#<s3 key>`        | the newest upload event seen for a key (S3 sequencer), state |
| `BUNDLE_NAMES`      | `S3#<appid>_<version>`, `LAMBDA#<name>` | which app version owns a name (ownership.py) |

`published` is what is served: it only changes when a deploy has finished, manifest written last.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

APPS_PK = "BUNDLES"
UPLOADS_PK = "BUNDLE_UPLOADS"
VERSION_PREFIX = "VERSION#"
LEASE_PREFIX = "LEASE#"


def app_pk(app_id: str) -> str:
    return f"BUNDLE#{app_id}"


def version_sk(version: str) -> str:
    return f"{VERSION_PREFIX}{version}"


def lease_sk(version: str) -> str:
    return f"{LEASE_PREFIX}{version}"


def app_index_sk(app_id: str) -> str:
    return f"APP#{app_id}"


def upload_sk(key: str) -> str:
    return f"KEY#{key}"


class VersionState(StrEnum):
    DEPLOYING = "deploying"
    DEPLOYED = "deployed"
    FAILED = "failed"
    DELETED = "deleted"


class UploadState(StrEnum):
    RECEIVED = "received"
    INVALID = "invalid"
    DEPLOYED = "deployed"
    FAILED = "failed"
    GONE = "gone"


class Record(BaseModel):
    model_config = ConfigDict(extra="allow", defer_build=True)


class BundleLocation(Record):
    bucket: str
    key: str
    version_id: str | None = None
    sha256: str = ""


class DeployedFunction(Record):
    name: str
    path: str
    handler: str
    runtime: str
    code_sha256: str
    lambda_version: str | None = None


class Published(Record):
    bundle: BundleLocation | None = None
    bundle_sha256: str
    functions: dict[str, DeployedFunction]
    manifest_key: str
    static_files: int = 0
    published_at: int


class VersionRecord(Record):
    app_id: str
    version: str
    state: VersionState
    step: str = ""
    error: str | None = None
    bundle: BundleLocation | None = None
    bundle_sha256: str = ""
    functions: dict[str, DeployedFunction] = Field(default_factory=dict)
    published: Published | None = None
    updated_at: int = 0

    def to_item(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_none=True)


def sequencer_key(sequencer: str) -> str:
    """S3 sequencers of one key compare as hex strings after right-padding the shorter with zeros."""
    return sequencer.upper().ljust(64, "0")


def is_older(sequencer: str | None, than: str | None) -> bool:
    if not sequencer or not than:
        return False
    return sequencer_key(sequencer) < sequencer_key(than)
