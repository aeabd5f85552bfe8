"""Custom domains through the CLI against the emulator: `domains add` refuses bad hosts before writing,
prints the DNS records, the handler adds the host to the app's rule, and the local router answers it."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from orchestrator.local.http_probe import request
from orchestrator.routing.certificates import HTTP_ONLY
from tests.e2e.conftest import ROOT, as_json, cli

pytestmark = pytest.mark.xdist_group("local-web-cli")
HELLO = ROOT / "orchestrator" / "local" / "samples" / "hello"


def _wait_for(predicate: object, seconds: float = 120) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return True
        time.sleep(0.3)
    return False


def test_a_custom_domain_is_routed_by_the_local_router(tmp_path: Path) -> None:
    state_dir = tmp_path / "emulator"
    up = cli("local", "up", "--state-dir", str(state_dir), "--json")
    assert up.returncode == 0, up.stderr
    state = as_json(up)
    env = {"AWS_ENDPOINT_URL": state["endpoint"], "ORCHESTRATOR_LOCAL_STATE_DIR": str(state_dir)}
    try:
        assert cli("local", "register", "hello", "--source", str(HELLO), env=env).returncode == 0
        assert cli("local", "register", "other", env=env).returncode == 0
        assert cli("build", "start", "-a", "hello", env=env).returncode == 0
        watched = cli("build", "watch", "1", "-a", "hello", env=env, timeout=300)
        assert watched.returncode == 0, watched.stdout + watched.stderr

        bad = cli("domains", "add", "not_a host", "-a", "hello", env=env)
        assert (bad.returncode, bad.stderr.count("\n")) == (2, 1), bad.stderr
        platform = cli("domains", "add", "other.localhost", "-a", "hello", env=env)
        assert platform.returncode == 2
        assert "apps domain" in platform.stderr

        added = cli("domains", "add", "WWW.Hello.Example", "-a", "hello", "--json", env=env)
        assert added.returncode == 0, added.stderr
        [record] = as_json(added)
        assert record["host"] == "www.hello.example"
        assert record["cname"]  # the load balancer's DNS name
        url = f"http://www.hello.example:{state['router_port']}"
        assert _wait_for(lambda: request(url)[0] == 200), request(url)
        assert request(url)[1].startswith("hello from build 1")

        listed = as_json(cli("domains", "list", "-a", "hello", "--json", env=env))
        assert [d["host"] for d in listed] == ["www.hello.example"]
        assert listed[0]["validation"]
        assert listed[0]["validation"]["type"] == "CNAME"
        # The emulator's ACM issues it a simulated minute later and publishes "ACM Certificate Available";
        # the certificates route records it (the emulator's listener is HTTP: nothing to attach).
        def certificate() -> tuple[str, str]:
            [found] = as_json(cli("domains", "list", "-a", "hello", "--json", env=env))
            return found["certificate"], found["listener"]

        assert _wait_for(lambda: certificate() == ("ISSUED", HTTP_ONLY)), certificate()
        taken = cli("domains", "add", "www.hello.example", "-a", "other", env=env)
        assert taken.returncode == 2
        assert "already a domain of 'hello'" in taken.stderr

        removed = cli("domains", "remove", "www.hello.example", "-a", "hello", env=env)
        assert removed.returncode == 0, removed.stderr
        assert _wait_for(lambda: request(url)[0] == 404), request(url)
        assert cli("domains", "list", "-a", "hello", "--json", env=env).stdout.strip() == "[]"
    finally:
        assert cli("local", "down", "--state-dir", str(state_dir)).returncode == 0
