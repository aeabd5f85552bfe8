"""The CLI figure's table and summary lines have the documented shape (never a speed: that is `make bench`'s)."""

from __future__ import annotations

import io

from rich.console import Console

from bench import report

TIME = {"median_ms": 10.0, "p10_ms": 9.0, "p90_ms": 11.0, "samples": 3}


def test_cli_figure_renders_and_summarises() -> None:
    figure = {
        "runs": 3,
        "baseline": {"command": 'python -c "import boto3"', "time": TIME},
        "rows": [{"command": "orchestrator --help", "kind": "help", "time": TIME, "ratio": 0.8, "target_ratio": 1.0},
                 {"command": "orchestrator ps -a demo", "kind": "table", "time": TIME, "ratio": 3.0,
                  "target_ratio": 2.0}],
        "local_up": {"time": TIME, "target_s": 3.0, "baseline": TIME, "ratio": 4.5, "then_register": TIME},
        "demo_first_line": {"time": TIME},
    }  # fmt: skip
    out = io.StringIO()
    Console(file=out, width=200).print(report.cli_table(figure))
    assert "orchestrator ps -a demo" in out.getvalue()
    assert "3.00x" in out.getvalue()
    lines = report.summary({"figures": {"cli": figure}})
    assert [line["figure"] for line in lines] == [
        "CLI: orchestrator --help", "CLI: orchestrator ps -a demo", "CLI: local up until ready", "CLI: demo, first line",
    ]  # fmt: skip
    assert lines[1]["ratio"] == 3.0
    assert "4.50x" in out.getvalue()  # local up beside its interleaved import boto3
    assert "then local register" in out.getvalue()
    assert lines[2]["ratio"] == 4.5
