"""The dispatcher: what Lambda does between an EventBridge rule's target and a handler.

Each route's rule targets an SQS queue. The dispatcher receives a batch from each queue and, with
Powertools' batch utility, invokes the route's handler for every event the way Lambda's asynchronous
invocation does: the first attempt, up to two retries when the handler raises, then the event goes to the
dead-letter queue with the error (the ErrorCode/ErrorMessage/RequestID attributes Lambda adds). Handler
output (Powertools logs and EMF metrics) is written to a log file, as CloudWatch Logs would keep it.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import IO, Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from orchestrator.adapters.clients import client
from orchestrator.bounded_json import JsonBoundsError, load_json
from orchestrator.events.patterns import EventRoute, route_function_name
from orchestrator.local.faults import in_handler
from orchestrator.local.resources import RouteQueue, Routing
from orchestrator.local.simulate import SECONDS_PER_TICK
from orchestrator.observability import logger as powertools_logger

MAX_RETRIES = 2  # Lambda's default for asynchronous invocation
# Lambda retries a failed asynchronous invocation after about one minute, then two (in emulator ticks).
RETRY_AFTER_TICKS = (60 // SECONDS_PER_TICK, 120 // SECONDS_PER_TICK)
Handler = Callable[[dict[str, Any], Any], Any]
# How a route's handler is run: in this process by default; tests/reality runs it on the pinned Lambda
# environment in a python3.12 subprocess instead. Raises what the handler raised.
Invoker = Callable[[EventRoute, dict[str, Any], "LocalLambdaContext"], Any]
EVENT_MAX_BYTES = 256 * 1024  # EventBridge's largest event


@dataclass
class LocalLambdaContext:
    """The context object the Lambda runtime passes to a handler."""

    function_name: str
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = ""
    log_group_name: str = ""
    log_stream_name: str = "local"

    def __post_init__(self) -> None:
        self.invoked_function_arn = f"arn:aws:lambda:us-east-1:123456789012:function:{self.function_name}"
        self.log_group_name = f"/aws/lambda/{self.function_name}"

    def get_remaining_time_in_millis(self) -> int:
        return 60_000


@dataclass(frozen=True)
class Invocation:
    """One event delivered to one handler: how it ended, after how many attempts."""

    route: str
    handler: str
    source: str
    detail_type: str
    attempts: int
    ok: bool
    response: Any = None
    error: str | None = None


class HandlerNotDeployedError(RuntimeError):
    """The route's handler cannot be imported (as if its Lambda function did not exist)."""


def load_handler(path: str) -> Handler:
    module_name, _, attr = path.rpartition(".")
    try:
        module = importlib.import_module(module_name)
    except ImportError as error:
        raise HandlerNotDeployedError(f"handler {path} is not deployed: {error}") from error
    handler: Handler = getattr(module, attr)
    return handler


@dataclass
class _PendingRetry:
    due: int
    queue: RouteQueue
    body: str
    event: dict[str, Any]
    context: LocalLambdaContext
    attempts: int


class Dispatcher:
    """`clock`: the emulator's simulated time (ticks). With it, a failed attempt is retried when Lambda
    would retry it (`retry_after_ticks`, about one and two minutes later), and other events are handled in
    between, as in AWS. Without it, the retries follow at once. `invoke`: how a handler is run (in this
    process by default)."""

    def __init__(
        self, routing: Routing, log_stream: IO[str] | None = None, max_retries: int = MAX_RETRIES,
        invoke: Invoker | None = None, clock: Callable[[], int] | None = None,
        retry_after_ticks: tuple[int, ...] = RETRY_AFTER_TICKS,
    ) -> None:  # fmt: skip
        self.routing = routing
        self.invoke: Invoker = invoke or self.invoke_in_process
        self.max_retries = max_retries
        self.log_stream = log_stream
        self.clock = clock
        self.retry_after_ticks = retry_after_ticks
        self.invocations: list[Invocation] = []
        self.listeners: list[Callable[[Invocation], None]] = []
        self._retries: list[_PendingRetry] = []
        if log_stream is not None:
            handler = powertools_logger.registered_handler
            if isinstance(handler, logging.StreamHandler):
                handler.setStream(log_stream)

    @property
    def pending_retries(self) -> int:
        """Failed attempts waiting for their retry."""
        return len(self._retries)

    def poll(self, routes: set[str] | None = None) -> int:
        """Deliver the retries that are due, then what is waiting on the routes' queues (all routes by
        default), until they are empty. Returns the number of attempts made."""
        delivered = self._retry_due()
        for queue in self.routing.queues:
            if routes is not None and queue.route.name not in routes:
                continue
            while batch := self._poll_queue(queue):
                delivered += batch
        return delivered

    def _retry_due(self) -> int:
        if self.clock is None:
            return 0
        now = self.clock()
        due = [r for r in self._retries if r.due <= now]
        self._retries = [r for r in self._retries if r.due > now]
        for retry in due:
            self._attempt(retry.queue, retry.body, retry.event, retry.context, retry.attempts)
        return len(due)

    def _poll_queue(self, queue: RouteQueue) -> int:
        sqs = client("sqs")
        messages = sqs.receive_message(
            QueueUrl=queue.queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0, AttributeNames=["All"]
        ).get("Messages", [])
        if not messages:
            return 0
        batch = {"Records": [self._sqs_record(queue, m) for m in messages]}
        processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
        result = process_partial_response(
            event=batch,
            record_handler=lambda record: self._deliver(queue, record),
            processor=processor,
            context=LocalLambdaContext(function_name="orchestrator-dispatcher"),  # type: ignore[arg-type]
        )
        failed = {f["itemIdentifier"] for f in result.get("batchItemFailures", [])}
        for message in messages:
            if message["MessageId"] in failed:  # could not even reach the DLQ: redeliver later
                sqs.change_message_visibility(
                    QueueUrl=queue.queue_url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
                )
            else:
                sqs.delete_message(QueueUrl=queue.queue_url, ReceiptHandle=message["ReceiptHandle"])
        return len(messages)

    @staticmethod
    def _sqs_record(queue: RouteQueue, message: dict[str, Any]) -> dict[str, Any]:
        return {
            "messageId": message["MessageId"],
            "receiptHandle": message["ReceiptHandle"],
            "body": message["Body"],
            "attributes": message.get("Attributes", {}),
            "messageAttributes": {},
            "md5OfBody": message.get("MD5OfBody", ""),
            "eventSource": "aws:sqs",
            "eventSourceARN": queue.queue_url,
            "awsRegion": "us-east-1",
        }

    def _deliver(self, queue: RouteQueue, record: SQSRecord) -> None:
        context = LocalLambdaContext(function_name=route_function_name(queue.route.name))
        try:
            event = load_json(record.body, what="event", max_bytes=EVENT_MAX_BYTES)
        except JsonBoundsError as bounds:
            # Lambda's runtime could not decode it either: no attempt, straight to the DLQ, as it is.
            self._attempt(queue, record.body, {}, context, 0, undecodable=bounds)
            return
        self._attempt(queue, record.body, event, context, 0)

    def _attempt(
        self, queue: RouteQueue, body: str, event: dict[str, Any], context: LocalLambdaContext, made: int,
        *, undecodable: BaseException | None = None,
    ) -> None:  # fmt: skip
        """Attempt number `made + 1` of one asynchronous invocation (the same request id on every attempt)."""
        route = queue.route
        attempts = made
        error: BaseException | None = undecodable
        response: Any = None
        while undecodable is None and attempts <= self.max_retries:
            attempts += 1
            try:
                with in_handler():
                    response = self.invoke(route, event, context)
            except Exception as caught:  # a handler error, as Lambda would see it
                error = caught
                if self.clock is not None and attempts <= self.max_retries:
                    delay = self.retry_after_ticks[min(attempts - 1, len(self.retry_after_ticks) - 1)]
                    self._retries.append(_PendingRetry(self.clock() + delay, queue, body, event, context, attempts))
                    return
                continue
            error = None
            break
        invocation = Invocation(
            route=route.name,
            handler=route.handler,
            source=str(event.get("source", "")),
            detail_type=str(event.get("detail-type", "")),
            attempts=attempts,
            ok=error is None,
            response=response,
            error=None if error is None else f"{type(error).__name__}: {error}",
        )
        if error is not None:
            self._dead_letter(body, context, error)
        self.invocations.append(invocation)
        for listener in self.listeners:
            listener(invocation)

    def invoke_in_process(self, route: EventRoute, event: dict[str, Any], context: LocalLambdaContext) -> Any:
        handler = load_handler(route.handler)
        with self._capture_output():
            return handler(event, context)

    @contextlib.contextmanager
    def _capture_output(self) -> Any:
        if self.log_stream is None:
            with open("/dev/null", "w") as sink, contextlib.redirect_stdout(sink):
                yield
        else:
            with contextlib.redirect_stdout(self.log_stream):
                yield

    def _dead_letter(self, body: str, context: LocalLambdaContext, error: BaseException) -> None:
        client("sqs").send_message(
            QueueUrl=self.routing.dlq_url,
            MessageBody=body,
            MessageAttributes={
                "RequestID": {"DataType": "String", "StringValue": context.aws_request_id},
                "ErrorCode": {"DataType": "Number", "StringValue": "200"},
                "ErrorMessage": {"DataType": "String", "StringValue": f"{type(error).__name__}: {error}"[:1000]},
                "FunctionName": {"DataType": "String", "StringValue": context.function_name},
            },
        )


def _event_or_text(body: str) -> Any:
    """A dead letter's event; a body that was never a valid event stays the text it is."""
    try:
        return load_json(body, what="event", max_bytes=EVENT_MAX_BYTES)
    except JsonBoundsError:
        return body


def dead_letters(dlq_url: str, *, remove: bool = False) -> list[dict[str, Any]]:
    """What sits in the dead-letter queue: each event, its error and its function. Peeks unless `remove`."""
    sqs = client("sqs")
    found: list[dict[str, Any]] = []
    handles: list[str] = []
    while True:
        messages = sqs.receive_message(
            QueueUrl=dlq_url, MaxNumberOfMessages=10, WaitTimeSeconds=0, MessageAttributeNames=["All"],
            VisibilityTimeout=60,
        ).get("Messages", [])  # fmt: skip
        if not messages:
            break
        for message in messages:
            attributes = message.get("MessageAttributes", {})
            found.append(
                {
                    "event": _event_or_text(message["Body"]),
                    "error": attributes.get("ErrorMessage", {}).get("StringValue", ""),
                    "function": attributes.get("FunctionName", {}).get("StringValue", ""),
                }
            )
            handles.append(message["ReceiptHandle"])
    for handle in handles:
        if remove:
            sqs.delete_message(QueueUrl=dlq_url, ReceiptHandle=handle)
        else:
            sqs.change_message_visibility(QueueUrl=dlq_url, ReceiptHandle=handle, VisibilityTimeout=0)
    return found
