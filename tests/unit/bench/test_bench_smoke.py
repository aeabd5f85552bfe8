"""Smoke test of the benchmark harness: each figure runs with tiny counts and returns the documented
structure and units. It never asserts a speed (that is what `make bench` writes down, not what a test checks)."""

from __future__ import annotations

import io
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from bench import cold_event, coldstart, overhead, package, pipeline, report, scale
from bench.cases import CASES, CODEBUILD_CASE, discover_handlers
from bench.measure import Samples
from bench.runner import write
from bench.world import IDEMPOTENCY, LOGIC, CallMeter, classify, fresh_world, item_kind

TIME_KEYS = {"median_ms", "p10_ms", "p90_ms", "samples"}


def is_time(summary: dict[str, Any], samples: int | None = None) -> bool:
    return (
        set(summary) == TIME_KEYS
        and summary["median_ms"] > 0
        and summary["p10_ms"] <= summary["median_ms"] <= summary["p90_ms"]
        and (samples is None or summary["samples"] == samples)
    )


def test_samples_median_and_percentiles() -> None:
    samples = Samples([5_000_000, 1_000_000, 3_000_000, 2_000_000, 4_000_000])
    assert samples.median == 3_000_000
    summary = samples.summary()
    assert summary["median_ms"] == 3.0
    assert summary["samples"] == 5
    assert 1.0 <= summary["p10_ms"] <= 3.0 <= summary["p90_ms"] <= 5.0


def test_calls_are_told_apart_by_purpose_and_item() -> None:
    idempotency = {"body": json.dumps({"Item": {"primary_id": {"S": "idempotency#fn"}, "secondary_id": {"S": "x"}}})}
    lookup = {"body": json.dumps({"Key": {"primary_id": {"S": "TASK#arn"}, "secondary_id": {"S": "lookup"}}})}
    assert classify("dynamodb", "PutItem", idempotency) == IDEMPOTENCY
    assert classify("dynamodb", "GetItem", lookup) == LOGIC
    assert classify("ecs", "RunTask", {"body": b"{}"}) == LOGIC
    assert item_kind("TASK#arn", "lookup") == "TASK# lookup"
    assert item_kind("APP#demo", "BUILD#0000000001") == "build record"
    assert item_kind("APP#demo", "CLAIM#BUILD#0000000001#run-task#release") == "claim"


def test_meter_counts_only_while_counting() -> None:
    with fresh_world() as world:
        CODEBUILD_CASE.setup(world)
        assert world.meter.total() == 0  # setup is never counted
        _, calls = world.count(CODEBUILD_CASE.handler_path, CODEBUILD_CASE.prepare(world, 0))
        # A phase change only records: one UpdateItem, no idempotency record (issue 17).
        assert calls.calls[("dynamodb", "UpdateItem", LOGIC)] == calls.total() == 1
        assert calls.calls[("dynamodb", "PutItem", IDEMPOTENCY)] == 0
        assert world.meter.total() == 0


def test_handler_overhead_structure() -> None:
    figure = overhead.run(overhead.Iterations(warmup=0, measured=1))
    json.dumps(figure)
    measured = {row["handler"] for row in figure["rows"]}
    skipped = {row["handler"] for row in figure["skipped"]}
    assert measured | skipped == {d.handler_path for d in discover_handlers()}
    assert "orchestrator.handlers.codebuild.handler" in measured
    for row in figure["rows"]:
        assert is_time(row["time"], samples=1)
        assert is_time(row["floor_time"], samples=1)
        assert row["unit"] == "ms"
        assert row["ratio"] == pytest.approx(row["time"]["median_ms"] / row["floor_time"]["median_ms"], rel=0.01)
        assert row["floor"] == CASES[row["handler"]].floor
        assert row["calls_total"] == sum(row["calls_per_event"].values()) > 0
        assert row["response"]["status"] != "ignored"  # the representative event is a managed one
        duplicate = row["duplicate"]
        assert is_time(duplicate["time"], samples=1)
        if "dynamodb:PutItem (idempotency)" in row["calls_per_event"]:
            assert duplicate["same_response"] is True  # answered from the idempotency record
            assert duplicate["calls_total"] < row["calls_total"]
        else:  # an event that only records skips idempotency: the duplicate is one write that changes nothing
            assert duplicate["calls_total"] <= row["calls_total"]


def test_pipeline_structure_and_minimum() -> None:
    figure = pipeline.run()
    json.dumps(figure)
    assert figure["unit"].startswith("API calls")
    total = Counter({(r["service"], r["operation"]): r["calls"] for r in figure["rows"]})
    assert sum(total.values()) == figure["calls_total"]
    assert sum(s["calls_total"] for s in figure["stages"]) == figure["calls_total"] + figure["idempotency_calls_total"]
    assert figure["scans"] == 0
    if figure["complete"]:
        assert figure["outcome"]["phases"]["deploy"] == "succeeded"
        assert figure["outcome"]["services"] == ["web", "worker"]
        assert figure["minimum_total"] == sum(pipeline.minimum_calls().values())
        assert figure["ratio"] == round(figure["calls_total"] / figure["minimum_total"], 2)
        for row in figure["rows"]:
            assert row["excess"] == row["calls"] - row["minimum"]
    else:
        assert figure["pending"]


def test_cold_start_structure() -> None:
    figure = coldstart.run(
        runs=1, breakdown=False, modules=["orchestrator.handlers.codebuild"], lambda_environment=False, first_event=False
    )
    json.dumps(figure)
    (row,) = figure["rows"]
    assert row["module"] == "orchestrator.handlers.codebuild"
    assert is_time(row["time"], samples=1)
    assert is_time(figure["baseline"]["time"], samples=1)
    assert row["floor"] == "import boto3"
    assert isinstance(row["clients_built_on_import"], list)
    assert row["no_orchestrator_client_at_import"] == (not row["orchestrator_clients_on_import"])


def test_cold_invocation_handles_a_real_first_event() -> None:
    """Figure 3b: a fresh interpreter imports the handler and handles a phase change against the bench's moto;
    the floor is the phase change's bare UpdateItem, replayed in a fresh interpreter that imports boto3."""
    (phase_change,) = [e for e in cold_event.EVENTS if e.handler_path == CODEBUILD_CASE.handler_path]
    figure = cold_event.run(runs=1, events=(phase_change,))
    json.dumps(figure)
    (row,) = figure["rows"]
    assert row["responses"][0]["status"] == "recorded"  # the event did its work (a new build's phase)
    assert is_time(row["total"], samples=1)
    assert is_time(row["floor_time"], samples=1)
    assert row["ratio"] is not None
    assert row["ratio"] > 0
    assert "boto3" in row["loaded_after_first_event"]  # the child reports what it loaded
    assert "orchestrator.pipeline.release" in row["not_loaded"]


def test_import_breakdown_names_packages() -> None:
    heaviest = coldstart.import_breakdown("orchestrator.settings", top=3)
    assert 1 <= len(heaviest) <= 3
    assert all(set(entry) == {"package", "self_ms"} for entry in heaviest)


def test_scale_structure() -> None:
    figure = scale.run((scale.Size(1, 0), scale.Size(2, 5)), events=1, handlers={CODEBUILD_CASE.handler_path})
    json.dumps(figure)
    assert {(r["apps"], r["builds"]) for r in figure["rows"]} == {(1, 0), (2, 5)}
    for row in figure["rows"]:
        assert is_time(row["time"], samples=1)
        assert row["calls_total"] > 0
        assert row["items_read_per_event"] == 0  # the CodeBuild case: the app from APPNAME, no read (issue 17)
    for verdict in figure["verdicts"]:
        assert verdict["flat"] == (
            verdict["same_calls_at_every_size"] and verdict["same_items_read_at_every_size"] and verdict["no_scan"]
        )
    assert figure["flat"] == all(v["flat"] for v in figure["verdicts"])


def test_scale_grows_the_table_with_history() -> None:
    with fresh_world() as world:
        history = scale.grow(world, scale.Size(3, 4))
        assert history == scale.TEMPLATE_BUILD + 4
        meter = CallMeter()
        assert meter.total() == 0
        assert scale.grow(world, scale.Size(3, 4)) == history  # sizes only grow: nothing added twice


def test_package_structure() -> None:
    figure = package.run()
    assert figure["unit"] == "bytes"
    assert figure["bytes"] > figure["zip_bytes"] > 0
    assert figure["files"] > 0
    paths = {f["path"] for f in figure["largest_files"]}
    assert not any(p.startswith(("orchestrator/cli/", "orchestrator/local/")) for p in paths)
    names = [name for _, name in package.computed_files()]
    assert "orchestrator/handlers/codebuild.py" in names
    assert any(n.startswith("pydantic_settings/") for n in names)
    assert any(n.startswith("dotenv/") for n in names)
    assert not any(n.startswith(("orchestrator/cli/", "orchestrator/local/")) for n in names)


def test_report_renders_and_results_are_written(tmp_path: Path) -> None:
    results = {
        "machine": {
            "cpu_model": "cpu",
            "cpu_count": 2,
            "python": "3.11",
            "platform": "linux",
            "date": "now",
            "load_average_at_start": None,
        },
        "figures": {"package": package.run()},
    }
    results["summary"] = report.summary(results)
    assert results["summary"][0]["unit"] == "bytes"
    output = io.StringIO()
    report.render(results, Console(file=output, width=200))
    assert "Lambda package" in output.getvalue()
    target = tmp_path / "results.json"
    write(results, target)
    assert json.loads(target.read_text())["figures"]["package"]["bytes"] == results["figures"]["package"]["bytes"]
