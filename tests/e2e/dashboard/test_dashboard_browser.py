"""The web dashboard in a real browser (Debian's headless chromium), served by `orchestrator dashboard` over the
emulator: the app list, a build's Gantt chart during and after the build, a failed release with its error,
scaling from the page reaching the SSM parameter, and a user without the app's role refused with AWS's reason.

Screenshots of each view go to $ORCHESTRATOR_DASHBOARD_SCREENSHOTS when it is set (the README's come from here).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import playwright.sync_api as playwright_api  # the dev extra installs it: a missing one must fail, not skip
import pytest

from orchestrator.settings import Settings
from tests.e2e.conftest import ROOT, as_json, cli, emulator_env

CHROMIUM = Path("/usr/bin/chromium")
SITE = ROOT / "dashboard" / "dist" / "index.html"
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
TIMEOUT_MS = 60_000  # the emulator on a loaded machine: a build takes seconds to tens of seconds
FAILING_RELEASE = 'web: python -c "import time; time.sleep(600)"\nrelease: python -c "raise SystemExit(3)"\n'


def _screenshot(page: Any, name: str) -> None:
    target = os.environ.get("ORCHESTRATOR_DASHBOARD_SCREENSHOTS")
    if target:
        Path(target).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(target) / f"{name}.png"), full_page=True)


@pytest.fixture(scope="module")
def dashboard(emulator: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    assert SITE.is_file(), "the dashboard is not built: run `make dashboard`"
    assert CHROMIUM.is_file(), "Debian's chromium is missing: run `make chromium`"
    env = emulator_env(emulator)
    source = tmp_path_factory.mktemp("broken")
    (source / "Procfile").write_text(FAILING_RELEASE)
    registered = cli("local", "register", "broken", "--source", str(source), env=env)
    assert registered.returncode == 0, registered.stderr
    pipeline = tmp_path_factory.mktemp("pipeline")
    (pipeline / "Procfile").write_text('web: python -c "import time; time.sleep(600)"\n')
    registered = cli("local", "register", "pipe", "--kind", "pipeline", "--source", str(pipeline), env=env)
    assert registered.returncode == 0, registered.stderr
    full_env = {**{k: v for k, v in os.environ.items() if not k.startswith("AWS_ENDPOINT")}, **env}
    server = subprocess.Popen(
        [sys.executable, "-c", "from orchestrator.cli.main import main; main()", "dashboard", "--port", "0", "--json",
         "--user", "alice=shop,broken,pipe", "--user", "bob=other"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=full_env, cwd=ROOT,
    )  # fmt: skip
    try:
        assert server.stdout is not None
        first = json.loads(server.stdout.readline())  # the URL is on the first line
        yield {**env, "url": first["url"]}
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture(scope="module")
def browser(dashboard: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    with playwright_api.sync_playwright() as playwright:
        # A fresh profile, never a downloaded browser: Debian's chromium with the flags of a sandboxed CI.
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")), executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS,
            headless=True, viewport={"width": 1280, "height": 900},
        )  # fmt: skip
        context.set_default_timeout(TIMEOUT_MS)
        try:
            yield context
        finally:
            context.close()


def _signed_in(browser: Any, url: str, user: str) -> Any:
    page = browser.new_page()
    page.goto(url)
    page.select_option("#sign-in-user", user)
    page.click("#sign-in")
    page.wait_for_selector(f"text=Signed in as {user}")
    return page


def _ssm(env: dict[str, str]) -> Any:
    return boto3.client("ssm", endpoint_url=env["AWS_ENDPOINT_URL"], region_name="us-east-1")


def test_build_gantt_during_and_after_the_build_then_the_app_list(browser: Any, dashboard: dict[str, str]) -> None:
    started = as_json(cli("build", "start", "-a", "shop", "--json", env=dashboard))
    number = started["build_number"]
    page = _signed_in(browser, dashboard["url"], "alice")
    page.goto(f"{dashboard['url']}#/apps/shop/builds/{number}")
    # During the build: the chart is drawn with the build still under way (the record's phases so far).
    page.wait_for_selector(".build-state[data-state=running]")
    page.wait_for_selector("canvas[data-chart=gantt]")
    _screenshot(page, "build-running")
    # The page polls: without a reload it reaches the deployed state, with a bar per step and per service.
    page.wait_for_selector(".build-state[data-state=deployed]")
    steps = page.locator("table:has(caption:text('Steps of the build')) tbody tr td:first-child").all_inner_texts()
    assert steps[:4] == ["build", "test", "finalize", "release"]
    assert {"deploy web", "deploy worker"} <= set(steps)
    assert page.locator("canvas[data-chart=gantt]").count() == 1
    _screenshot(page, "build")

    page.goto(f"{dashboard['url']}#/")
    row = page.locator("tr[data-app=shop]")
    row.locator("td.latest-build", has_text=f"#{number}").wait_for()
    assert "deployed" in row.locator("td.latest-build").inner_text()
    assert row.locator("td.deploy-state").inner_text() == "complete"
    _screenshot(page, "apps")
    # The account's delivery metrics count the deploy just made.
    page.click("text=Delivery metrics for all your apps")
    deploys = page.locator("[data-metric=deploys]")
    deploys.wait_for()
    assert int(deploys.inner_text()) >= 1
    assert page.locator("figure.chart canvas").count() == 4
    _screenshot(page, "metrics")
    page.goto(f"{dashboard['url']}#/")
    page.locator("tr[data-app=shop] td.latest-build", has_text=f"#{number}").wait_for()
    # Keyboard: the app's name is a real link reached with Tab and followed with Enter.
    page.locator("tr[data-app=shop] a").first.focus()
    page.keyboard.press("Enter")
    page.wait_for_selector("h1:text-is('shop')")
    page.close()


def test_a_failed_release_shows_its_phase_and_error(browser: Any, dashboard: dict[str, str]) -> None:
    started = as_json(cli("build", "start", "-a", "broken", "--json", env=dashboard))
    page = _signed_in(browser, dashboard["url"], "alice")
    page.goto(f"{dashboard['url']}#/apps/broken/builds/{started['build_number']}")
    failure = page.locator("[data-failed-phase=release]")
    failure.wait_for()
    assert "release failed" in failure.inner_text()
    assert "3" in failure.locator("p.error").first.inner_text()  # the release command's exit code
    assert page.locator(".build-state").get_attribute("data-state") == "failed"
    _screenshot(page, "build-failed")
    page.close()


def test_a_failed_build_with_its_log_in_s3_shows_the_logs_last_lines(browser: Any, dashboard: dict[str, str]) -> None:
    # A build that failed after its log was uploaded: the record points at build.log in the artifacts bucket
    # (the pipeline's pointer once POST_BUILD uploaded it); the page reads its tail with the users role.
    settings = Settings()
    number = 900  # far above the builds the other tests start
    lines = [f"step {i}" for i in range(1, 41)] + ["ERROR: failed to build: exit status 1"]
    s3 = boto3.client("s3", endpoint_url=dashboard["AWS_ENDPOINT_URL"], region_name="us-east-1")
    key = f"broken/{number}/build.log"
    s3.put_object(Bucket=settings.artifacts_bucket, Key=key, Body="\n".join(lines).encode() + b"\n")
    table = boto3.resource("dynamodb", endpoint_url=dashboard["AWS_ENDPOINT_URL"], region_name="us-east-1")
    table.Table(settings.table_name).put_item(Item={
        "primary_id": "APP#broken", "secondary_id": f"BUILD#{number:010d}", "app": "broken", "build_number": number,
        "commit": "f" * 40,
        "build": {"arns": [], "logs": f"s3://{settings.artifacts_bucket}/{key}", "start": 1_800_000_000,
                  "end": 1_800_000_060, "state": "failed", "error": "CodeBuild phase BUILD"},
    })  # fmt: skip
    page = _signed_in(browser, dashboard["url"], "alice")
    page.goto(f"{dashboard['url']}#/apps/broken/builds/{number}")
    log = page.locator("[data-failed-phase=build] pre.log")
    log.wait_for()
    assert log.inner_text().splitlines() == lines[-20:]  # the last lines, as `build status` shows them
    page.close()


def test_a_pipelines_review_apps_are_listed_under_it(browser: Any, dashboard: dict[str, str]) -> None:
    created = cli("review-apps", "create", "-a", "pipe:7", "--title", "Faster checkout", "--branch", "feat/checkout",
                  "--json", env=dashboard)  # fmt: skip
    assert created.returncode == 0, created.stderr
    page = _signed_in(browser, dashboard["url"], "alice")
    page.goto(f"{dashboard['url']}#/")
    row = page.locator('tr[data-app="pipe:7"]')
    row.locator("td.latest-build", has_text="#").wait_for()  # its first build, started by `create`
    assert row.locator("td").first.inner_text() == "review app"
    assert page.locator("tr[data-app=pipe] td").first.inner_text() == "pipeline"
    assert page.locator('tr[data-app^="pipe:"]').count() == 1
    row.locator("th a").click()
    page.wait_for_selector("h1:text-is('pipe:7')")
    page.close()


def test_scaling_from_the_page_writes_the_parameter(browser: Any, dashboard: dict[str, str]) -> None:
    page = _signed_in(browser, dashboard["url"], "alice")
    page.goto(f"{dashboard['url']}#/apps/shop")
    page.fill("#scale-process", "web")
    page.fill("#scale-count", "2-5")
    page.click("#scale-submit")
    page.wait_for_selector("#scale-result:has-text('scaling written')")
    _screenshot(page, "app")
    written = json.loads(_ssm(dashboard).get_parameter(Name="/apppack/apps/shop/scaling")["Parameter"]["Value"])
    assert written["web"]["min_processes"] == 2
    assert written["web"]["max_processes"] == 5
    page.close()


def _primary_deployments(env: dict[str, str], services: list[str]) -> dict[str, str]:
    with urllib.request.urlopen(f"{env['url']}/config.json") as response:
        cluster = json.load(response)["cluster"]
    ecs = boto3.client("ecs", endpoint_url=env["AWS_ENDPOINT_URL"], region_name="us-east-1")
    found = ecs.describe_services(cluster=cluster, services=services)["services"]
    return {s["serviceName"]: next(d["id"] for d in s["deployments"] if d["status"] == "PRIMARY") for s in found}


def _deployed_processes(env: dict[str, str], app: str) -> list[str]:
    """The app's deployed processes in the order the page lists them; deploys it first where nothing is (the
    module's first test deploys shop, but a test must not rely on running after another)."""
    status = as_json(cli("ps", "-a", app, "--json", env=env))["deploystatus"]
    if not status:
        number = as_json(cli("build", "start", "-a", app, "--json", env=env))["build_number"]
        watched = cli("build", "watch", str(number), "-a", app, "--interval", "0.5", "--json", env=env)
        assert watched.returncode == 0, watched.stdout + watched.stderr
        status = as_json(cli("ps", "-a", app, "--json", env=env))["deploystatus"]
    return [p["name"] for p in status["processes"]]


def test_restart_from_the_page_starts_a_new_deployment_of_each_service(browser: Any, dashboard: dict[str, str]) -> None:
    processes = _deployed_processes(dashboard, "shop")
    assert processes
    services = [f"shop-{p}" for p in processes]
    before = _primary_deployments(dashboard, services)
    page = _signed_in(browser, dashboard["url"], "alice")
    page.goto(f"{dashboard['url']}#/apps/shop")
    page.click("#restart-submit")
    page.wait_for_selector(f"#restart-result:text-is('restarting {', '.join(processes)}')")
    after = _primary_deployments(dashboard, services)
    assert all(after[s] != before[s] for s in services), (before, after)  # ecs:UpdateService forceNewDeployment
    page.close()


def test_a_user_without_the_role_is_refused_with_awss_reason(browser: Any, dashboard: dict[str, str]) -> None:
    ssm = _ssm(dashboard)
    try:
        before = ssm.get_parameter(Name="/apppack/apps/shop/scaling")["Parameter"]["Value"]
    except ssm.exceptions.ParameterNotFound:
        before = None
    page = _signed_in(browser, dashboard["url"], "bob")
    assert page.locator("tr[data-app=shop]").count() == 0  # bob holds no role for shop: it is not listed
    page.goto(f"{dashboard['url']}#/apps/shop")
    page.fill("#scale-process", "web")
    page.fill("#scale-count", "7")
    page.click("#scale-submit")
    result = page.locator("#scale-result.error")
    result.wait_for()
    assert result.inner_text() == (
        "AccessDeniedException: User: arn:aws:sts::123456789012:assumed-role/other-users/bob is not authorized to "
        "perform: ssm:PutParameter on resource: arn:aws:ssm:us-east-1:123456789012:parameter/apppack/apps/shop/scaling "
        "because no identity-based policy allows the ssm:PutParameter action"
    )
    # Reads are refused the same way, and nothing changed.
    page.wait_for_selector("#builds [role=alert]:has-text('dynamodb:Query')")
    _screenshot(page, "refused")
    try:
        after = ssm.get_parameter(Name="/apppack/apps/shop/scaling")["Parameter"]["Value"]
    except ssm.exceptions.ParameterNotFound:
        after = None
    assert after == before
    page.close()
