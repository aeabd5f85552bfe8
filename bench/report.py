"""The rich tables of a run, and the one-line summary of each figure (also stored in results.json)."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

Results = dict[str, Any]


def _calls(calls: dict[str, int]) -> str:
    return ", ".join(f"{n} {name.split(':', 1)[1]}" for name, n in calls.items()) or "none"


def _ms(summary: dict[str, Any]) -> str:
    return f"{summary['median_ms']:.2f}"


def overhead_table(figure: Results) -> Table:
    table = Table(title="1. Handler overhead (in-process moto; median ms)", title_justify="left")
    for column in ("handler", "event", "median", "floor", "floor median", "ratio", "calls per event"):
        table.add_column(column, justify="right" if column in {"median", "floor median", "ratio"} else "left")
    for row in figure["rows"]:
        name = row["handler"].split(".")[-2]
        table.add_row(name, row["event"], _ms(row["time"]), row["floor"], _ms(row["floor_time"]),
                      f"{row['ratio']:.1f}x", _calls(row["calls_per_event"]))  # fmt: skip
        duplicate = row["duplicate"]
        table.add_row(f"{name} (duplicate)", duplicate["event"], _ms(duplicate["time"]), duplicate["floor"],
                      _ms(duplicate["floor_time"]), f"{duplicate['ratio']:.1f}x", _calls(duplicate["calls_per_event"]))  # fmt: skip
    for skipped in figure["skipped"]:
        table.add_row(skipped["handler"].split(".")[-2], f"[yellow]skipped: {skipped['note']}[/]", "", "", "", "", "")
    return table


def pipeline_tables(figure: Results) -> list[Table]:
    title = "2. AWS calls per pipeline (one push: build, release, 2 services deployed)"
    if not figure["complete"]:
        title += " — [yellow]PENDING: " + "; ".join(figure["pending"]) + "[/]"
    calls = Table(title=title, title_justify="left")
    for column in ("service", "operation", "calls", "idempotency", "minimum", "excess"):
        calls.add_column(column, justify="left" if column in {"service", "operation"} else "right")
    for row in figure["rows"]:
        excess = row["excess"]
        shown = "" if excess is None else (f"[red]+{excess}[/]" if excess > 0 else str(excess))
        calls.add_row(row["service"], row["operation"], str(row["calls"]), str(row["idempotency_calls"] or ""),
                      "" if row["minimum"] is None else str(row["minimum"]), shown)  # fmt: skip
    ratio = f"{figure['ratio']}x the minimum" if figure["ratio"] else ""
    calls.add_row("[b]total[/]", f"{figure['events']} events", f"[b]{figure['calls_total']}[/]",
                  str(figure["idempotency_calls_total"]), str(figure["minimum_total"] or ""), ratio)  # fmt: skip
    stages = Table(title="2b. Calls per event of the pipeline", title_justify="left")
    for column in ("event", "calls", "DynamoDB calls by item"):
        stages.add_column(column, justify="right" if column == "calls" else "left")
    for stage in figure["stages"]:
        for event in stage["per_event"]:
            stages.add_row(event["event"], str(event["calls_total"]),
                           ", ".join(f"{n} {k}" for k, n in event["dynamodb_calls_by_item"].items()))  # fmt: skip
    minimum = Table(title="2c. The justified minimum", title_justify="left")
    for column in ("step", "x", "calls each", "why"):
        minimum.add_column(column)
    for step in figure["minimum"]:
        minimum.add_row(step["step"], str(step["times"]), _calls(step["calls"]), step["why"])
    return [calls, stages, minimum]


def coldstart_table(figure: Results) -> Table:
    base = figure["baseline"]
    table = Table(
        title=f"3. Cold start: import in a fresh interpreter (median of {figure['runs']}; import boto3 = "
        f"{base['median_ms']:.0f} ms)",
        title_justify="left",
    )
    for column in ("module", "import ms", "ratio to boto3", "clients built on import", "heaviest packages (self ms)"):
        table.add_column(column, justify="right" if column in {"import ms", "ratio to boto3"} else "left")
    for row in figure["rows"]:
        built = row["clients_built_on_import"]
        clients = "none" if not built else ", ".join(f"{c['service']} (by {c['created_by']})" for c in built)
        if not row["no_orchestrator_client_at_import"]:
            clients = f"[red]{clients}[/]"
        heavy = ", ".join(f"{p['package']} {p['self_ms']:.0f}" for p in row["heaviest_packages"])
        table.add_row(row["module"], _ms(row["time"]), f"{row['ratio']:.1f}x", clients, heavy)
    for skipped in figure["skipped"]:
        table.add_row(skipped["handler"], f"[yellow]skipped: {skipped['note']}[/]", "", "", "")
    pinned = figure.get("lambda_environment", {})
    if "rows" in pinned:  # the same imports in the pinned Lambda environment (python3.12, layer, runtime boto3)
        base_ms = pinned["baseline"]["time"]["median_ms"]
        for row in pinned["rows"]:
            table.add_row(f"{row['module']} (Lambda env)", _ms(row["time"]), f"{row['ratio']:.1f}x", "",
                          f"import boto3 there = {base_ms:.0f} ms")  # fmt: skip
    elif pinned.get("skipped"):
        table.add_row("Lambda environment", f"[yellow]skipped: {pinned['skipped']}[/]", "", "", "")
    return table


def cold_event_table(figure: Results) -> Table | None:
    """Figure 3b (bench/cold_event.py): import plus the first event, in a fresh interpreter."""
    first = figure.get("first_event", {})
    if "rows" not in first:
        return None
    table = Table(title=f"3b. Cold invocation: import + first event in a fresh interpreter (median of {first['runs']})",
                  title_justify="left")  # fmt: skip
    for column in ("event", "import ms", "first event ms", "total ms", "floor", "floor ms", "ratio", "not loaded"):
        table.add_column(column, justify="left" if column in {"event", "floor", "not loaded"} else "right")
    for row in first["rows"]:
        floor_ms = _ms(row["floor_time"]) if row["floor_time"] else "-"
        table.add_row(row["event"], _ms(row["import"]), _ms(row["first_event"]), _ms(row["total"]), row["floor"],
                      floor_ms, f"{row['ratio']:.1f}x" if row["ratio"] else "-",
                      ", ".join(m.removeprefix("orchestrator.") for m in row["not_loaded"]))  # fmt: skip
    return table


def scale_table(figure: Results) -> Table:
    verdict = "[green]flat[/]" if figure["flat"] else "[bold red]NOT FLAT[/]"
    table = Table(title=f"4. Scale: per-event cost as the table grows — {verdict}", title_justify="left")
    for column in ("handler", "apps", "builds", "history", "calls", "items read", "Scan", "median", "floor", "ratio"):
        table.add_column(column, justify="left" if column == "handler" else "right")
    for row in figure["rows"]:
        table.add_row(row["handler"].split(".")[-2], f"{row['apps']:,}", f"{row['builds']:,}",
                      f"{row['measured_app_history']:,}", str(row["calls_total"]), str(row["items_read_per_event"]),
                      str(row["scans"]), _ms(row["time"]), _ms(row["floor_time"]), f"{row['ratio']:.1f}x")  # fmt: skip
    return table


def package_table(figure: Results) -> Table:
    table = Table(title="5. Lambda package (code asset)", title_justify="left")
    for column in ("bytes", "zipped bytes", "files", "of 250 MiB", "how"):
        table.add_column(column, justify="left" if column == "how" else "right")
    table.add_row(f"{figure['bytes']:,}", f"{figure['zip_bytes']:,}", str(figure["files"]),
                  f"{figure['ratio_of_unzipped_limit']:.2%}", figure["method"])  # fmt: skip
    return table


def cli_table(figure: Results) -> Table:
    base = figure["baseline"]["time"]["median_ms"]
    table = Table(
        title=f"6. CLI: whole processes, wall time (median of {figure['runs']}; python -c \"import boto3\" = {base:.0f} ms)",
        title_justify="left",
    )
    for column in ("command", "median ms", "ratio to import boto3", "target"):
        table.add_column(column, justify="left" if column == "command" else "right")
    for row in figure["rows"]:
        over = row["ratio"] > row["target_ratio"]
        shown = f"[red]{row['ratio']:.2f}x[/]" if over else f"{row['ratio']:.2f}x"
        table.add_row(row["command"], _ms(row["time"]), shown, f"≤ {row['target_ratio']:.0f}x")
    up = figure["local_up"]
    up_ratio = f"{up['ratio']:.2f}x" if "ratio" in up else ""
    table.add_row("orchestrator local up (ready)", _ms(up["time"]), up_ratio, f"< {up['target_s'] * 1000:.0f} ms")
    if "then_register" in up:
        table.add_row("  then local register at once", _ms(up["then_register"]), "", "")
    table.add_row("orchestrator demo (first line)", _ms(figure["demo_first_line"]["time"]), "", "at once")
    return table


def summary(results: Results) -> list[dict[str, Any]]:
    """One line per figure: value, unit, floor, ratio."""
    figures = results["figures"]
    lines: list[dict[str, Any]] = []
    for row in figures.get("handler_overhead", {}).get("rows", []):
        name = row["handler"].split(".")[-2]
        lines.append({"figure": f"handler overhead: {name}", "value": row["time"]["median_ms"], "unit": "ms",
                      "floor": f"{row['floor']} = {row['floor_time']['median_ms']} ms", "ratio": row["ratio"]})  # fmt: skip
        dup = row["duplicate"]
        lines.append({"figure": f"duplicate delivery: {name}", "value": dup["time"]["median_ms"], "unit": "ms",
                      "floor": f"{dup['floor']} = {dup['floor_time']['median_ms']} ms", "ratio": dup["ratio"]})  # fmt: skip
    pipeline = figures.get("pipeline")
    if pipeline:
        lines.append({"figure": "AWS calls per pipeline" + ("" if pipeline["complete"] else " (partial)"),
                      "value": pipeline["calls_total"], "unit": "calls (+ idempotency "
                      f"{pipeline['idempotency_calls_total']})", "floor": pipeline["minimum_total"],
                      "ratio": pipeline["ratio"]})  # fmt: skip
    for row in figures.get("cold_start", {}).get("rows", []):
        lines.append({"figure": f"cold start: {row['module'].rsplit('.', 1)[-1]}", "value": row["time"]["median_ms"],
                      "unit": "ms", "floor": f"import boto3 = {row['floor_time']['median_ms']} ms",
                      "ratio": row["ratio"]})  # fmt: skip
    pinned = figures.get("cold_start", {}).get("lambda_environment", {})
    for row in pinned.get("rows", []):
        lines.append({"figure": f"cold start, Lambda env: {row['module'].rsplit('.', 1)[-1]}",
                      "value": row["time"]["median_ms"], "unit": "ms",
                      "floor": f"import boto3 = {pinned['baseline']['time']['median_ms']} ms", "ratio": row["ratio"]})  # fmt: skip
    for row in figures.get("cold_start", {}).get("first_event", {}).get("rows", []):
        floor = row["floor_time"]
        lines.append({"figure": f"cold invocation: {row['event']}", "value": row["total"]["median_ms"],
                      "unit": "ms (import + first event)",
                      "floor": f"import boto3 + {row['floor']}" + (f" = {floor['median_ms']} ms" if floor else ""),
                      "ratio": row["ratio"]})  # fmt: skip
    scale = figures.get("scale")
    if scale:
        for verdict in scale["verdicts"]:
            own = [r for r in scale["rows"] if r["handler"] == verdict["handler"]]
            lines.append({"figure": f"scale: {verdict['handler'].split('.')[-2]}",
                          "value": f"{own[0]['calls_total']} calls, {own[0]['items_read_per_event']} items read at "
                          "every size" if verdict["flat"] else "NOT FLAT",
                          "unit": "per event", "floor": f"smallest size: {own[0]['time']['median_ms']} ms",
                          "ratio": verdict["time_spread"]})  # fmt: skip
    package = figures.get("package")
    if package:
        lines.append({"figure": "Lambda package", "value": package["bytes"], "unit": "bytes",
                      "floor": "250 MiB unzipped limit", "ratio": package["ratio_of_unzipped_limit"]})  # fmt: skip
    cli = figures.get("cli")
    if cli:
        base = cli["baseline"]["time"]["median_ms"]
        for row in cli["rows"]:
            lines.append({"figure": f"CLI: {row['command']}", "value": row["time"]["median_ms"], "unit": "ms",
                          "floor": f"import boto3 = {base} ms", "ratio": row["ratio"]})  # fmt: skip
        up = cli["local_up"]
        lines.append({"figure": "CLI: local up until ready", "value": up["time"]["median_ms"], "unit": "ms",
                      "floor": "3 s target" + (f"; import boto3 = {up['baseline']['median_ms']} ms" if "baseline" in up
                                               else ""), "ratio": up.get("ratio")})  # fmt: skip
        lines.append({"figure": "CLI: demo, first line", "value": cli["demo_first_line"]["time"]["median_ms"],
                      "unit": "ms", "floor": "", "ratio": None})  # fmt: skip
    return lines


def summary_table(lines: list[dict[str, Any]]) -> Table:
    table = Table(title="Summary", title_justify="left")
    for column in ("figure", "value", "unit", "floor", "ratio"):
        table.add_column(column, justify="right" if column in {"value", "ratio"} else "left")
    for line in lines:
        ratio = line["ratio"]
        table.add_row(line["figure"], str(line["value"]), line["unit"], str(line["floor"]),
                      "" if ratio is None else f"{ratio}")  # fmt: skip
    return table


def render(results: Results, console: Console) -> None:
    figures = results["figures"]
    tables: list[Table] = []
    if "handler_overhead" in figures:
        tables.append(overhead_table(figures["handler_overhead"]))
    if "pipeline" in figures:
        tables.extend(pipeline_tables(figures["pipeline"]))
    if "cold_start" in figures:
        tables.append(coldstart_table(figures["cold_start"]))
        cold_events = cold_event_table(figures["cold_start"])
        if cold_events is not None:
            tables.append(cold_events)
    if "scale" in figures:
        tables.append(scale_table(figures["scale"]))
    if "package" in figures:
        tables.append(package_table(figures["package"]))
    if "cli" in figures:
        tables.append(cli_table(figures["cli"]))
    for table in tables:
        console.print(table)
        console.print()
    console.print(summary_table(results["summary"]))
    scale = figures.get("scale")
    if scale and not scale["flat"]:
        console.print("[bold red]SCALE: the per-event cost is NOT FLAT[/]", scale["verdicts"])
    machine = results["machine"]
    console.print(
        f"[dim]{machine['cpu_model']} x {machine['cpu_count']}, Python {machine['python']}, "
        f"{machine['platform']}, {machine['date']}, load {machine['load_average_at_start']}[/]"
    )
