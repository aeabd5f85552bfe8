"""Create the orchestrator's own resources in moto, with the names and settings the stack uses.

They are made with calls on moto's backends in this process (`moto_backends.py`), in two parts: what every
command needs (table, buckets, event routing, the function role), and what ECS needs (cluster, network,
load balancer), whose moto services import all of moto's EC2. `local up` is ready after the first part; the
second follows at once, and the server holds requests for those services until it is done (`server.py`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlparse

from orchestrator.events.patterns import PUBLISHED_EVENTS_LOG_GROUP, EventRoute, event_routes, notification_rules
from orchestrator.local.moto_backends import backend
from orchestrator.settings import configure, get_settings

if TYPE_CHECKING:
    from orchestrator.pipeline.app_registry import AppDeclaration, AppKind
    from orchestrator.settings import Settings

TTL_ATTRIBUTE = "expiration"  # Powertools idempotency records expire through it


def create_store(settings: Settings) -> None:
    """The table (with the idempotency records' TTL) and the two versioned buckets; uploads to the bundle
    bucket reach EventBridge, as the stack's `event_bridge_enabled` has it. Safe to call again."""
    dynamodb = backend("dynamodb", settings.region)
    if settings.table_name not in dynamodb.tables:
        dynamodb.create_table(
            settings.table_name,
            schema=[
                {"AttributeName": "primary_id", "KeyType": "HASH"},
                {"AttributeName": "secondary_id", "KeyType": "RANGE"},
            ],
            throughput=None,
            attr=[
                {"AttributeName": "primary_id", "AttributeType": "S"},
                {"AttributeName": "secondary_id", "AttributeType": "S"},
            ],
            global_indexes=[], indexes=[], streams=None, billing_mode="PAY_PER_REQUEST", sse_specification=None,
            tags=[], deletion_protection_enabled=False, warm_throughput=None,
        )  # fmt: skip
        dynamodb.update_time_to_live(settings.table_name, {"Enabled": True, "AttributeName": TTL_ATTRIBUTE})
    s3 = backend("s3", settings.region)
    for bucket in (settings.artifacts_bucket, settings.bundle_bucket):
        if bucket not in s3.buckets:
            s3.create_bucket(bucket, settings.region)
            s3.put_bucket_versioning(bucket, "Enabled")
    s3.put_bucket_notification_configuration(settings.bundle_bucket, {"EventBridgeConfiguration": {}})


def create_cluster(settings: Settings) -> None:
    """The ECS cluster (moto's ECS imports all of its EC2, so it comes with the network)."""
    ecs = backend("ecs", settings.region)
    if settings.cluster_name not in ecs.clusters:
        ecs.create_cluster(settings.cluster_name)


def create_core_resources(settings: Settings) -> None:
    """The table, the buckets and the cluster (what the tests' accounts start with)."""
    create_store(settings)
    create_cluster(settings)


FUNCTION_ROLE_NAME = "orchestrator-bundle-function"
FUNCTION_ROLE_ARN = f"arn:aws:iam::123456789012:role/{FUNCTION_ROLE_NAME}"  # moto's default account


def create_function_role(settings: Settings | None = None) -> str:
    """The execution role bundle functions run with (the stack's bundle-function role). Safe to call again."""
    settings = settings or get_settings()
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    }
    iam = backend("iam", settings.region)
    role = next((r for r in iam.roles.values() if r.name == FUNCTION_ROLE_NAME), None)
    if role is None:
        role = iam.create_role(FUNCTION_ROLE_NAME, json.dumps(trust), "/", None, "", [], 3600)
    return str(role.arn)


# --- Event routing: the stack's rules, from the one definition, each targeting a queue the dispatcher polls.

DLQ_NAME = "orchestrator-dlq"
NETWORK_TAG = "orchestrator:network"


def queue_name(route_name: str) -> str:
    return f"orchestrator-{route_name}"


def rule_name(route_name: str) -> str:
    return f"orchestrator-{route_name}"


def schedule_rule_name(route_name: str) -> str:
    return f"orchestrator-{route_name}-schedule"


@dataclass(frozen=True)
class RouteQueue:
    route: EventRoute
    queue_url: str


@dataclass(frozen=True)
class Routing:
    queues: list[RouteQueue]
    dlq_url: str


def create_event_routing(settings: Settings) -> Routing:
    """One EventBridge rule per route of `event_routes()` on the default bus, each with an SQS target, plus
    the dead-letter queue (the stack gives rule targets and Lambda async failures the same DLQ). The queue
    URLs are the ones the emulator's endpoint answers CreateQueue with."""
    sqs, events = backend("sqs", settings.region), backend("events", settings.region)
    endpoint = urlparse(settings.endpoint_url or f"https://sqs.{settings.region}.amazonaws.com")
    dlq_url: str = sqs.create_queue(DLQ_NAME).url(endpoint)
    queues = []
    for route in event_routes(ssm_prefix=settings.ssm_prefix, bundle_bucket=settings.bundle_bucket):
        queue = sqs.create_queue(queue_name(route.name))
        target = [{"Id": "dispatcher", "Arn": queue.queue_arn}]
        events.put_rule(rule_name(route.name), description=route.description, event_pattern=json.dumps(route.pattern),
                        state="ENABLED")  # fmt: skip
        events.put_targets(rule_name(route.name), None, target)
        if route.schedule is not None:  # as the stack has it; moto runs no schedule (the emulator's ACM
            # publishes the issuance events the schedule stands in for: local/acm_issuance.py)
            events.put_rule(schedule_rule_name(route.name), description=f"Schedule: {route.description}",
                            scheduled_expression=route.schedule, state="ENABLED")  # fmt: skip
            events.put_targets(schedule_rule_name(route.name), None, target)
        queues.append(RouteQueue(route=route, queue_url=queue.url(endpoint)))
    keep_published_events(settings)
    return Routing(queues=queues, dlq_url=dlq_url)


def keep_published_events(settings: Settings | None = None) -> None:
    """As the stack does: the orchestrator's own events go to a log group (`events tail` reads it)."""
    settings = settings or get_settings()
    logs = backend("logs", settings.region)
    group = logs.groups.get(PUBLISHED_EVENTS_LOG_GROUP) or logs.create_log_group(PUBLISHED_EVENTS_LOG_GROUP, {})
    archive = notification_rules()[0]
    events = backend("events", settings.region)
    events.put_rule(rule_name(archive.name), description=archive.description,
                    event_pattern=json.dumps(archive.pattern), state="ENABLED")  # fmt: skip
    events.put_targets(rule_name(archive.name), None, [{"Id": "log-group", "Arn": str(group.arn).removesuffix(":*")}])


@dataclass(frozen=True)
class Network:
    subnets: list[str]
    security_groups: list[str]


def create_network(settings: Settings) -> Network:
    """The shared VPC networking Fargate tasks and services use (the stack takes it as context values).
    moto checks awsvpc subnets and security groups against EC2, so they must exist."""
    ec2 = backend("ec2", settings.region)
    tag = {NETWORK_TAG: "tasks"}
    vpc = ec2.create_vpc("10.40.0.0/16", tags=[{"Key": NETWORK_TAG, "Value": "tasks"}])
    zones = [zone.name for zone in ec2.describe_availability_zones()][:2]
    subnets = [  # in two zones, as the shared load balancer needs
        ec2.create_subnet(vpc.id, f"10.40.{i}.0/24", availability_zone=zone, tags={"subnet": tag}).id
        for i, zone in enumerate(zones)
    ]
    group = ec2.create_security_group("orchestrator-tasks", "orchestrator tasks", vpc_id=vpc.id, tags=tag)
    return Network(subnets=subnets, security_groups=[group.id])


def find_network() -> Network | None:
    """The emulator's task networking, for a process that did not create it (the CLI's `local register`)."""
    from orchestrator.adapters.clients import client

    ec2 = client("ec2")
    filters = [{"Name": f"tag:{NETWORK_TAG}", "Values": ["tasks"]}]
    subnets = [s["SubnetId"] for s in ec2.describe_subnets(Filters=filters)["Subnets"]]
    groups = [g["GroupId"] for g in ec2.describe_security_groups(Filters=filters)["SecurityGroups"]]
    return Network(subnets=sorted(subnets), security_groups=groups) if subnets and groups else None


# --- Web traffic: the stack's shared load balancer and the listener the handlers add host rules to.

LOAD_BALANCER_NAME = "orchestrator"  # infra/constructs/load_balancer.py
LOCAL_APPS_DOMAIN = "localhost"  # apps are `<app>.localhost`, which resolves to this machine


@dataclass(frozen=True)
class WebTraffic:
    vpc_id: str
    listener_arn: str
    apps_domain: str


def create_load_balancer(settings: Settings, network: Network) -> WebTraffic:
    """The shared ALB (internet-facing, in the network's subnets) with the stack's no-domain listener: HTTP
    :80 answering a fixed 404 to any host no app's rule names. Safe to call again."""
    elbv2 = backend("elbv2", settings.region)
    found = [b for b in elbv2.load_balancers.values() if b.name == LOAD_BALANCER_NAME]
    balancer = found[0] if found else elbv2.create_load_balancer(
        name=LOAD_BALANCER_NAME, security_groups=network.security_groups, subnet_ids=network.subnets,
        scheme="internet-facing", loadbalancer_type="application",
    )  # fmt: skip
    listener = next(iter(balancer.listeners.values()), None) or elbv2.create_listener(
        load_balancer_arn=balancer.arn, protocol="HTTP", port=80, ssl_policy=None, certificate=None,
        actions=[{"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "404"}}],
    )  # fmt: skip
    return WebTraffic(vpc_id=str(balancer.vpc_id), listener_arn=str(listener.arn), apps_domain=LOCAL_APPS_DOMAIN)


@dataclass(frozen=True)
class OwnResources:
    """The emulator's resources created by its own code, as the stacks would (the default: no synth, fast).
    `stack_resources.StackResources` is the other source: the stacks themselves, deployed."""

    fresh_account: bool = True

    def provision(self) -> Routing:
        routing = self.provision_core()
        self.provision_network()
        return routing

    def provision_core(self) -> Routing:
        """What every command needs: the table, the buckets, the event routing and the function role."""
        settings = get_settings()
        create_store(settings)
        routing = create_event_routing(settings)
        configure(dlq_url=routing.dlq_url, function_role_arn=create_function_role(settings))
        return routing

    def provision_network(self) -> None:
        """What ECS needs: the cluster, the tasks' network and the shared load balancer."""
        settings = get_settings()
        create_cluster(settings)
        network = create_network(settings)
        web = create_load_balancer(settings, network)
        configure(
            subnets=network.subnets, security_groups=network.security_groups, listener_arn=web.listener_arn,
            apps_domain=web.apps_domain, vpc_id=web.vpc_id,
        )  # fmt: skip

    def register(self, name: str, kind: AppKind) -> AppDeclaration:
        from orchestrator.local.apps import local_app, register_app

        app = local_app(name, kind)
        register_app(app)
        return app
