"""`python -m bench` (`make bench`): measure every figure, print the tables, write bench/results.json."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rich.console import Console

from bench.runner import FIGURES, RESULTS, run_all, write


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="tiny iteration counts (a smoke run, not figures)")
    parser.add_argument("--only", default=",".join(FIGURES), help=f"comma-separated figures: {', '.join(FIGURES)}")
    parser.add_argument("--output", type=Path, default=None, help=f"results file (default {RESULTS}; "
                        "--quick writes nothing unless given one)")  # fmt: skip
    args = parser.parse_args(argv)
    only = [name.strip() for name in args.only.split(",") if name.strip()]
    unknown = sorted(set(only) - set(FIGURES))
    if unknown:
        parser.error(f"unknown figure(s): {', '.join(unknown)}")
    console = Console() if Console().is_terminal else Console(width=200)
    results = run_all(quick=args.quick, only=only, console=Console(stderr=True))
    from bench.report import render

    render(results, console)
    output = args.output or (None if args.quick else RESULTS)
    if output is not None:
        write(results, output)
        console.print(f"results written to {output}")
    scale = results["figures"].get("scale")
    return 1 if scale is not None and not scale["flat"] else 0


if __name__ == "__main__":
    sys.exit(main())
