"""Create the orchestrator's own resources in moto, with the names and settings the stack uses."""

from __future__ import annotations

from orchestrator.adapters.clients import client
from orchestrator.settings import Settings

TTL_ATTRIBUTE = "expiration"  # Powertools idempotency records expire through it


def create_core_resources(settings: Settings) -> None:
    dynamodb = client("dynamodb")
    existing = dynamodb.list_tables().get("TableNames", [])
    if settings.table_name not in existing:
        dynamodb.create_table(
            TableName=settings.table_name,
            KeySchema=[
                {"AttributeName": "primary_id", "KeyType": "HASH"},
                {"AttributeName": "secondary_id", "KeyType": "RANGE"},
            ],
            AttributeDefinitions=[
                {"AttributeName": "primary_id", "AttributeType": "S"},
                {"AttributeName": "secondary_id", "AttributeType": "S"},
            ],
            BillingMode="PAY_PER_REQUEST",
        )
        dynamodb.update_time_to_live(
            TableName=settings.table_name,
            TimeToLiveSpecification={"Enabled": True, "AttributeName": TTL_ATTRIBUTE},
        )
    s3 = client("s3")
    buckets = {b["Name"] for b in s3.list_buckets().get("Buckets", [])}
    for bucket in (settings.artifacts_bucket, settings.bundle_bucket):
        if bucket not in buckets:
            if settings.region == "us-east-1":
                s3.create_bucket(Bucket=bucket)
            else:
                s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": settings.region})
            s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    ecs = client("ecs")
    if not ecs.describe_clusters(clusters=[settings.cluster_name]).get("clusters"):
        ecs.create_cluster(clusterName=settings.cluster_name)
