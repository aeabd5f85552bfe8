"""Reading an app's logs and a build's log from moto's CloudWatch Logs and S3."""

from __future__ import annotations

import time

import pytest

from orchestrator.adapters import operator
from orchestrator.adapters.artifacts import Artifacts
from orchestrator.adapters.cloudwatch_logs import group_events, write_lines
from orchestrator.errors import UserError
from orchestrator.pipeline.app_logs import LogFollower, stream_prefix
from orchestrator.pipeline.log_pointers import cloudwatch_pointer, s3_pointer

GROUP = "/orchestrator/apps/demo"
T0 = int(time.time() * 1000) - 60_000  # CloudWatch refuses events older than 14 days


def test_lines_of_every_process_interleaved_by_time_with_process_and_task(aws: None) -> None:
    write_lines(GROUP, "demo-web/demo/task1", [(T0 + 10, "web one"), (T0 + 30, "web two")])
    write_lines(GROUP, "demo-worker/demo/task2", [(T0 + 20, "worker one")])
    write_lines(GROUP, "other-web/other/task3", [(T0 + 15, "another app")])
    follower = LogFollower("demo", T0)
    lines = follower.new_lines(group_events(GROUP, start_ms=T0, stream_prefix=stream_prefix("demo", None)))
    assert [(line.process, line.task, line.message) for line in lines] == [
        ("web", "task1", "web one"), ("worker", "task2", "worker one"), ("web", "task1", "web two"),
    ]  # fmt: skip
    only_worker = group_events(GROUP, start_ms=T0, stream_prefix=stream_prefix("demo", "worker"))
    assert [e.message for e in only_worker] == ["worker one"]


def test_following_prints_each_line_once_and_new_lines_as_they_come(aws: None) -> None:
    write_lines(GROUP, "demo-web/demo/task1", [(T0 + 10, "first")])
    follower = LogFollower("demo", T0)
    prefix = stream_prefix("demo", None)
    assert [
        x.message for x in follower.new_lines(group_events(GROUP, start_ms=follower.since_ms, stream_prefix=prefix))
    ] == ["first"]
    write_lines(GROUP, "demo-web/demo/task1", [(T0 + 10, "same moment, later"), (T0 + 50, "second")])
    again = follower.new_lines(group_events(GROUP, start_ms=follower.since_ms, stream_prefix=prefix))
    assert [x.message for x in again] == ["same moment, later", "second"]
    assert follower.new_lines(group_events(GROUP, start_ms=follower.since_ms, stream_prefix=prefix)) == []


def test_a_group_that_does_not_exist_has_no_lines(aws: None) -> None:
    assert group_events("/orchestrator/apps/nobody", start_ms=T0) == []


def test_log_pointers_of_both_forms_are_read(aws: None) -> None:
    write_lines("/aws/codebuild/demo-build", "uuid-1", [(T0, "[Container] Phase complete: BUILD State: FAILED")])
    assert operator.read_log_pointer(cloudwatch_pointer("/aws/codebuild/demo-build", "uuid-1")) == [
        "[Container] Phase complete: BUILD State: FAILED"
    ]
    artifacts = Artifacts()
    artifacts.write_text("demo/1/build.log", "===> BUILDING\n===> EXPORTING\n")
    assert operator.read_log_pointer(s3_pointer(artifacts.bucket, "demo/1/build.log")) == [
        "===> BUILDING",
        "===> EXPORTING",
    ]
    assert operator.read_log_pointer(s3_pointer(artifacts.bucket, "demo/9/build.log")) is None
    assert operator.read_log_pointer(cloudwatch_pointer("/aws/codebuild/demo-build", "gone")) is None
    with pytest.raises(UserError, match="neither s3://"):
        operator.read_log_pointer("https://console.aws.amazon.com/x")
