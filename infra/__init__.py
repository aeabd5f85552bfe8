"""CDK infrastructure of the orchestrator: the shared network, the orchestrator stack and one stack per app.

`build(app)` is the single entry point; `app.py` and the infra tests both call it, so what is tested is
exactly what `cdk deploy` deploys.
"""

from infra.application import Stacks, build

__all__ = ["Stacks", "build"]
