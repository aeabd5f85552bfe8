"""Hardened S3 buckets: SSL only, public access blocked, S3-managed encryption, versioned, access-logged."""

from __future__ import annotations

from typing import Any

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_s3 as s3
from constructs import Construct

from infra.nag import acknowledge


def _hardening() -> dict[str, Any]:
    """What every bucket of the platform has: encrypted, private, SSL only, versioned, kept on stack delete."""
    return {
        "encryption": s3.BucketEncryption.S3_MANAGED,
        "block_public_access": s3.BlockPublicAccess.BLOCK_ALL,
        "enforce_ssl": True,
        "versioned": True,
        "removal_policy": RemovalPolicy.RETAIN,
    }


def access_log_bucket(scope: Construct, construct_id: str, *, bucket_name: str | None = None) -> s3.Bucket:
    bucket = s3.Bucket(
        scope,
        construct_id,
        bucket_name=bucket_name,
        **_hardening(),
        object_ownership=s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,  # S3 log delivery writes with ACLs off
        lifecycle_rules=[
            s3.LifecycleRule(expiration=Duration.days(365), noncurrent_version_expiration=Duration.days(30))
        ],
    )
    acknowledge(
        bucket,
        "S1",
        "This is the server-access-log target of the artifacts and bundle buckets; logging it into itself "
        "(or into yet another bucket) would only log the log delivery.",
    )
    return bucket


def secure_bucket(
    scope: Construct,
    construct_id: str,
    *,
    access_logs: s3.IBucket,
    bucket_name: str | None = None,
    event_bridge: bool = False,
    noncurrent_days: int = 90,
) -> s3.Bucket:
    return s3.Bucket(
        scope,
        construct_id,
        bucket_name=bucket_name,
        **_hardening(),
        server_access_logs_bucket=access_logs,
        server_access_logs_prefix=f"{construct_id.lower()}/",
        event_bridge_enabled=event_bridge,
        lifecycle_rules=[s3.LifecycleRule(noncurrent_version_expiration=Duration.days(noncurrent_days))],
    )
