from __future__ import annotations

from collections.abc import Iterator

import pytest

from orchestrator.settings import configure
from tests.conftest import fresh_aws
from tests.integration.builders import declare_app
from tests.integration.parameters.helpers import EVENTS_ROLE


@pytest.fixture
def app() -> Iterator[str]:
    """A fresh moto account with the app `demo` declared (not deployed) and the events role configured."""
    with fresh_aws():
        configure(events_role_arn=EVENTS_ROLE)
        declare_app("demo")
        yield "demo"
