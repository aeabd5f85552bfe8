"""DynamoDB requests made at the same time, as the emulator's moto server gets them (a thread per request):
each request is atomic and a cancelled transaction changes nothing, as in DynamoDB. Unpatched moto loses a
write made while another request's transaction is cancelled (it puts back a copy of the whole table taken
before), and UpdateItem's ALL_OLD can return a state another writer already replaced."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import boto3
import pytest

from orchestrator.settings import get_settings

WRITES = 150
INCREMENTS = 150


def _in_threads(*work: Callable[[], None]) -> None:
    errors: list[BaseException] = []

    def run(job: Callable[[], None]) -> None:
        try:
            job()
        except BaseException as error:  # reported below, in the test's thread
            errors.append(error)

    threads = [threading.Thread(target=run, args=(job,)) for job in work]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors


@pytest.mark.usefixtures("aws")
def test_concurrent_writes_survive_cancelled_transactions_and_all_old_is_each_writes_own() -> None:
    table = get_settings().table_name
    dynamodb: Any = boto3.client("dynamodb", region_name="us-east-1")
    for n in range(300):  # a table of some size: moto's copy of it takes a while
        dynamodb.put_item(TableName=table, Item={"primary_id": {"S": "FILL"}, "secondary_id": {"S": f"{n:04}"}})
    dynamodb.put_item(TableName=table, Item={"primary_id": {"S": "COUNTER"}, "secondary_id": {"S": "C"},
                                             "n": {"N": "0"}})  # fmt: skip
    done = threading.Event()
    cancelled = 0

    def cancel_transactions() -> None:
        nonlocal cancelled
        while not done.is_set():
            try:
                dynamodb.transact_write_items(TransactItems=[{"Put": {
                    "TableName": table, "Item": {"primary_id": {"S": "FILL"}, "secondary_id": {"S": "0000"}},
                    "ConditionExpression": "attribute_not_exists(primary_id)",
                }}])  # fmt: skip
            except dynamodb.exceptions.TransactionCanceledException:
                cancelled += 1

    def write_items() -> None:
        for n in range(WRITES):
            dynamodb.put_item(TableName=table, Item={"primary_id": {"S": "NEW"}, "secondary_id": {"S": f"{n:04}"}})

    olds: list[int] = []

    def increment() -> None:
        for _ in range(INCREMENTS):
            response = dynamodb.update_item(
                TableName=table, Key={"primary_id": {"S": "COUNTER"}, "secondary_id": {"S": "C"}},
                UpdateExpression="SET n = n + :one", ExpressionAttributeValues={":one": {"N": "1"}},
                ReturnValues="ALL_OLD",
            )  # fmt: skip
            olds.append(int(response["Attributes"]["n"]["N"]))

    def writers() -> None:
        try:
            _in_threads(write_items, increment, increment)
        finally:
            done.set()

    _in_threads(cancel_transactions, writers)

    assert cancelled > 0
    written = dynamodb.query(
        TableName=table, KeyConditionExpression="primary_id = :pk", ExpressionAttributeValues={":pk": {"S": "NEW"}},
        Select="COUNT", ConsistentRead=True,
    )["Count"]  # fmt: skip
    assert written == WRITES  # no write lost to a cancelled transaction
    counter = dynamodb.get_item(TableName=table, Key={"primary_id": {"S": "COUNTER"}, "secondary_id": {"S": "C"}})
    assert int(counter["Item"]["n"]["N"]) == 2 * INCREMENTS
    assert sorted(olds) == list(range(2 * INCREMENTS))  # each increment saw the state just before its own
