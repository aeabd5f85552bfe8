"""Review apps run on the shared load balancer of the routing tests, in its VPC."""

import pytest

from orchestrator.local import moto_patches
from tests.integration.routing.conftest import _only_registered_hooks, alb

__all__ = ["_only_registered_hooks", "alb"]


@pytest.fixture(autouse=True)
def _run_task_in_a_vpc() -> None:
    moto_patches.apply()  # moto's Fargate RunTask in a VPC subnet needs the ENI's private DNS name
