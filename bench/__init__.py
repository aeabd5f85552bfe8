"""The benchmark harness behind `make bench` (`python -m bench`).

Every figure is a ratio measured in one run on one machine: a handler against the bare boto3 calls its job
needs, a pipeline's API calls against a justified minimum, a handler's cold import against `import boto3`.
Nothing here asserts a speed; the run writes what it saw to bench/results.json.

Modules, one per figure: overhead (1, plus duplicate delivery), pipeline (2), coldstart (3), scale (4),
package (5). `world` holds the in-process moto account and the call meter; `cases` the representative
event of each handler.
"""

from __future__ import annotations

SCHEMA_VERSION = 1
