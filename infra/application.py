"""Build every stack of a deployment from the CDK context."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from aws_cdk import App, Environment, Tags

from infra.app_stack import AppStack
from infra.config import CONTEXT_KEYS, InfraConfig, load_config
from infra.dashboard_stack import DashboardStack
from infra.network_stack import NetworkStack
from infra.orchestrator_stack import OrchestratorStack
from orchestrator.pipeline.app_registry import stack_name

NETWORK_STACK = "OrchestratorNetwork"
ORCHESTRATOR_STACK = "Orchestrator"
DASHBOARD_STACK = "OrchestratorDashboard"
APP_STACK_PREFIX = "OrchestratorApp-"


@dataclass(frozen=True)
class Stacks:
    config: InfraConfig
    network: NetworkStack
    orchestrator: OrchestratorStack
    dashboard: DashboardStack | None
    apps: dict[str, AppStack]


def build(app: App, *, base: Path | None = None) -> Stacks:
    context = {key: app.node.try_get_context(key) for key in CONTEXT_KEYS}
    config = load_config(context, base=base)
    env = Environment(account=config.account, region=config.region) if config.account or config.region else None
    network = NetworkStack(
        app, NETWORK_STACK, config=config, env=env, description="Orchestrator: shared VPC and ECS cluster"
    )
    orchestrator = OrchestratorStack(
        app,
        ORCHESTRATOR_STACK,
        config=config,
        network=network,
        env=env,
        description="Orchestrator: event routes, handlers, table, buckets, dead-letter queue",
    )
    dashboard = (
        DashboardStack(
            app,
            DASHBOARD_STACK,
            config=config,
            orchestrator=orchestrator,
            base=base,
            env=env,
            description="Orchestrator: web dashboard (static site, CloudFront, Cognito sign-in)",
        )
        if config.dashboard
        else None
    )
    apps = {
        spec.name: AppStack(
            app,
            f"{APP_STACK_PREFIX}{spec.name}",
            # AppPack's CLI tells a pipeline by `/apppack-pipeline-<name>/` in settings' `stack_id`.
            stack_name=stack_name(spec.name, spec.kind),
            spec=spec,
            orchestrator=orchestrator,
            dashboard=dashboard,
            env=env,
            description=f"Orchestrator app {spec.name}: image repository, build project, task roles, records",
        )
        for spec in config.apps
    }
    Tags.of(app).add("orchestrator:managed", "true")
    return Stacks(config=config, network=network, orchestrator=orchestrator, dashboard=dashboard, apps=apps)
