"""Powertools idempotency records, kept in the orchestrator's own table (they expire via its TTL)."""

from __future__ import annotations

from functools import cache

from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

from orchestrator.adapters.clients import client
from orchestrator.settings import adapter_settings


@cache
def persistence_layer() -> DynamoDBPersistenceLayer:
    """Built on first use, with the adapters' client (endpoint, region and retry mode from settings)."""
    return DynamoDBPersistenceLayer(
        table_name=adapter_settings().table_name,
        key_attr="primary_id",
        sort_key_attr="secondary_id",
        boto3_client=client("dynamodb"),
    )


def reset_persistence_layer() -> None:
    persistence_layer.cache_clear()
