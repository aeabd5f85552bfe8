"""The dispatcher delivers like Lambda's asynchronous invocation: one attempt plus two retries (as the stack
configures), then the event itself to the dead-letter queue with Lambda's DLQ attributes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from orchestrator.adapters.clients import client
from orchestrator.events.patterns import EventRoute
from orchestrator.local.dispatcher import MAX_RETRIES, Dispatcher, dead_letters
from orchestrator.local.resources import RouteQueue, Routing
from tests.conftest import fresh_aws

CALLS: list[tuple[str, str]] = []  # (event id, request id) per attempt
FAILURES_LEFT: dict[str, int] = {}


def flaky_handler(event: dict[str, Any], context: Any) -> dict[str, str]:
    CALLS.append((event["id"], context.aws_request_id))
    if FAILURES_LEFT.get(event["id"], 0) > 0:
        FAILURES_LEFT[event["id"]] -= 1
        raise RuntimeError(f"boom {event['id']}")
    return {"status": "ok"}


@pytest.fixture
def routing() -> Iterator[Routing]:
    CALLS.clear()
    FAILURES_LEFT.clear()
    with fresh_aws():
        sqs = client("sqs")
        route = EventRoute(
            name="test", handler=f"{__name__}.flaky_handler", description="test", pattern={"source": ["test"]}
        )
        queue = sqs.create_queue(QueueName="dispatcher-test")["QueueUrl"]
        dlq = sqs.create_queue(QueueName="dispatcher-test-dlq")["QueueUrl"]
        yield Routing(queues=[RouteQueue(route=route, queue_url=queue)], dlq_url=dlq)


def _send(routing: Routing, event_id: str) -> dict[str, Any]:
    event = {"id": event_id, "source": "test", "detail-type": "Test", "detail": {}}
    client("sqs").send_message(QueueUrl=routing.queues[0].queue_url, MessageBody=json.dumps(event))
    return event


def test_lambda_default_retries() -> None:
    assert MAX_RETRIES == 2  # tests/infra checks the stack configures the same


def test_a_handler_that_always_fails_is_tried_three_times_then_dead_lettered(routing: Routing) -> None:
    event = _send(routing, "always")
    FAILURES_LEFT["always"] = 99
    dispatcher = Dispatcher(routing)
    assert dispatcher.poll() == 1
    (invocation,) = dispatcher.invocations
    assert invocation.attempts == 1 + MAX_RETRIES
    assert not invocation.ok
    assert [c[0] for c in CALLS] == ["always"] * 3
    assert len({c[1] for c in CALLS}) == 1, "retries of one async invocation keep its request id"
    raw = client("sqs").receive_message(QueueUrl=routing.dlq_url, MessageAttributeNames=["All"])["Messages"]
    (message,) = raw
    assert json.loads(message["Body"]) == event  # the event itself, as Lambda's DLQ receives it
    attributes = {k: v["StringValue"] for k, v in message["MessageAttributes"].items()}
    assert attributes["RequestID"] == CALLS[0][1]
    assert attributes["ErrorCode"] == "200"
    assert attributes["ErrorMessage"] == "RuntimeError: boom always"
    # the source queue is empty: the event was consumed, not redelivered
    assert dispatcher.poll() == 0


def test_a_handler_that_recovers_on_the_last_retry_is_not_dead_lettered(routing: Routing) -> None:
    _send(routing, "flaky")
    FAILURES_LEFT["flaky"] = MAX_RETRIES
    dispatcher = Dispatcher(routing)
    dispatcher.poll()
    (invocation,) = dispatcher.invocations
    assert invocation.ok
    assert invocation.attempts == MAX_RETRIES + 1
    assert invocation.response == {"status": "ok"}
    assert dead_letters(routing.dlq_url) == []


def test_a_success_is_delivered_once(routing: Routing) -> None:
    _send(routing, "fine")
    dispatcher = Dispatcher(routing)
    dispatcher.poll()
    assert [c[0] for c in CALLS] == ["fine"]
    assert dispatcher.invocations[0].attempts == 1


def test_an_undecodable_event_goes_to_the_dlq_as_it_is_without_a_recursion_error(routing: Routing) -> None:
    # Issue 10, defect 7: json.loads raised RecursionError here and stopped the dispatcher.
    body = "[" * 5000 + "]" * 5000
    client("sqs").send_message(QueueUrl=routing.queues[0].queue_url, MessageBody=body)
    dispatcher = Dispatcher(routing)
    assert dispatcher.poll() == 1
    (invocation,) = dispatcher.invocations
    assert (invocation.ok, invocation.attempts) == (False, 0)
    assert CALLS == []
    [letter] = dead_letters(routing.dlq_url)
    assert letter["event"] == body
    assert letter["error"] == "JsonBoundsError: event is nested too deeply: 5000 levels (at most 32)"
