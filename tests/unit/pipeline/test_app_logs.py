"""Which process and task wrote a log line, durations for --since, and a follower that prints each line once."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from orchestrator.adapters.cloudwatch_logs import LogEvent
from orchestrator.pipeline.app_logs import LogFollower, log_line, since_seconds, stream_prefix
from orchestrator.pipeline.log_pointers import failed_phase_pointer, parse_pointer
from orchestrator.pipeline.rollback import _image_parts


@pytest.mark.parametrize(("text", "seconds"), [("90s", 90), ("15m", 900), ("1h", 3600), ("2d", 172800), ("1w", 604800)])
def test_durations(text: str, seconds: int) -> None:
    assert since_seconds(text) == seconds


@pytest.mark.parametrize("text", ["", "1", "h", "0h", "1.5h", "-1h", "1y", "1 h"])
def test_what_is_not_a_duration_says_the_accepted_forms(text: str) -> None:
    with pytest.raises(ValueError, match="s, m, h, d or w"):
        since_seconds(text)


def test_process_and_task_come_from_the_awslogs_stream_name() -> None:
    line = log_line("shop", LogEvent("shop-web/shop/0123abcd", 5, "GET / 200\n", "e1"))
    assert (line.process, line.task, line.message) == ("web", "0123abcd", "GET / 200")
    review = log_line("reviews:7", LogEvent("reviews-pr7-worker/reviews/99", 5, "x", "e2"))
    assert (review.process, review.task) == ("worker", "99")
    assert stream_prefix("shop", "web") == "shop-web/"
    assert stream_prefix("reviews:7", None) == "reviews-pr7-"


events = st.lists(
    st.builds(
        LogEvent,
        stream=st.sampled_from(["shop-web/shop/a", "shop-worker/shop/b"]),
        timestamp=st.integers(0, 50),
        message=st.text(max_size=5),
        event_id=st.uuids().map(str),
    ),
    max_size=20,
    unique_by=lambda e: e.event_id,
)


@given(events, st.data())
def test_a_follower_prints_every_event_once_in_time_order_per_read_however_reads_repeat_them(
    batch: list[LogEvent], data: st.DataObject
) -> None:
    follower = LogFollower("shop", 0)
    printed = []
    for _ in range(3):  # each read returns any subset again, in any order
        read = data.draw(st.lists(st.sampled_from(batch), max_size=30)) if batch else []
        fresh = follower.new_lines(read)
        assert [line.timestamp for line in fresh] == sorted(line.timestamp for line in fresh)
        printed += fresh
    printed += follower.new_lines(batch)
    assert len(printed) == len(batch)
    assert sorted(line.message for line in printed) == sorted(e.message.rstrip("\n") for e in batch)


def test_log_pointers_parse_or_name_the_accepted_forms() -> None:
    assert parse_pointer("s3://bucket/shop/1/build.log") == ("s3", "bucket", "shop/1/build.log")
    assert parse_pointer("cloudwatch:///aws/codebuild/p#uuid") == ("cloudwatch", "/aws/codebuild/p", "uuid")
    for bad in ("s3://bucket", "cloudwatch://group", "https://x"):
        with pytest.raises(ValueError, match="neither"):
            parse_pointer(bad)
    record = {
        "build": {"state": "succeeded", "logs": "s3://b/k"},
        "release": {"state": "failed", "logs": "cloudwatch://g#s"},
    }
    assert failed_phase_pointer(record) == ("release", "cloudwatch://g#s")
    assert failed_phase_pointer({"build": {"state": "failed"}}) is None


def test_image_references_name_their_repository_and_tag() -> None:
    assert _image_parts("123.dkr.ecr.us-east-1.amazonaws.com/orchestrator/shop:build-3") == (
        "orchestrator/shop",
        "build-3",
    )
    assert _image_parts("123.dkr.ecr.us-east-1.amazonaws.com/orchestrator/shop@sha256:ab") is None
    assert _image_parts("localhost:5000/shop") is None
