"""Create the orchestrator's own resources in moto, with the names and settings the stack uses."""

from __future__ import annotations

import json
from dataclasses import dataclass

from orchestrator.adapters.clients import client
from orchestrator.events.patterns import PUBLISHED_EVENTS_LOG_GROUP, EventRoute, event_routes, notification_rules
from orchestrator.local.apps import local_app, register_app
from orchestrator.pipeline.app_registry import AppDeclaration, AppKind
from orchestrator.settings import Settings, configure, get_settings

TTL_ATTRIBUTE = "expiration"  # Powertools idempotency records expire through it


def create_core_resources(settings: Settings) -> None:
    dynamodb = client("dynamodb")
    existing = dynamodb.list_tables().get("TableNames", [])
    if settings.table_name not in existing:
        dynamodb.create_table(
            TableName=settings.table_name,
            KeySchema=[
                {"AttributeName": "primary_id", "KeyType": "HASH"},
                {"AttributeName": "secondary_id", "KeyType": "RANGE"},
            ],
            AttributeDefinitions=[
                {"AttributeName": "primary_id", "AttributeType": "S"},
                {"AttributeName": "secondary_id", "AttributeType": "S"},
            ],
            BillingMode="PAY_PER_REQUEST",
        )
        dynamodb.update_time_to_live(
            TableName=settings.table_name,
            TimeToLiveSpecification={"Enabled": True, "AttributeName": TTL_ATTRIBUTE},
        )
    s3 = client("s3")
    buckets = {b["Name"] for b in s3.list_buckets().get("Buckets", [])}
    for bucket in (settings.artifacts_bucket, settings.bundle_bucket):
        if bucket not in buckets:
            if settings.region == "us-east-1":
                s3.create_bucket(Bucket=bucket)
            else:
                s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": settings.region})
            s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    # As the stack does (event_bridge_enabled): uploads under bundles/ reach the bundle rule as events.
    s3.put_bucket_notification_configuration(
        Bucket=settings.bundle_bucket, NotificationConfiguration={"EventBridgeConfiguration": {}}
    )
    ecs = client("ecs")
    if not ecs.describe_clusters(clusters=[settings.cluster_name]).get("clusters"):
        ecs.create_cluster(clusterName=settings.cluster_name)


FUNCTION_ROLE_NAME = "orchestrator-bundle-function"
FUNCTION_ROLE_ARN = f"arn:aws:iam::123456789012:role/{FUNCTION_ROLE_NAME}"  # moto's default account


def create_function_role() -> str:
    """The execution role bundle functions run with (the stack's bundle-function role)."""
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    }
    iam = client("iam")
    try:
        arn: str = iam.get_role(RoleName=FUNCTION_ROLE_NAME)["Role"]["Arn"]
    except iam.exceptions.NoSuchEntityException:
        arn = iam.create_role(RoleName=FUNCTION_ROLE_NAME, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    return arn


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
    the dead-letter queue (the stack gives rule targets and Lambda async failures the same DLQ)."""
    sqs = client("sqs")
    events = client("events")
    dlq_url: str = sqs.create_queue(QueueName=DLQ_NAME)["QueueUrl"]
    queues = []
    for route in event_routes(ssm_prefix=settings.ssm_prefix, bundle_bucket=settings.bundle_bucket):
        url: str = sqs.create_queue(QueueName=queue_name(route.name))["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        events.put_rule(
            Name=rule_name(route.name),
            EventPattern=json.dumps(route.pattern),
            State="ENABLED",
            Description=route.description,
        )
        events.put_targets(Rule=rule_name(route.name), Targets=[{"Id": "dispatcher", "Arn": arn}])
        if route.schedule is not None:  # as the stack has it; moto runs no schedule (the emulator's ACM
            # publishes the issuance events the schedule stands in for: local/acm_issuance.py)
            events.put_rule(Name=schedule_rule_name(route.name), ScheduleExpression=route.schedule, State="ENABLED",
                            Description=f"Schedule: {route.description}")  # fmt: skip
            events.put_targets(Rule=schedule_rule_name(route.name), Targets=[{"Id": "dispatcher", "Arn": arn}])
        queues.append(RouteQueue(route=route, queue_url=url))
    keep_published_events()
    return Routing(queues=queues, dlq_url=dlq_url)


def keep_published_events() -> None:
    """As the stack does: the orchestrator's own events go to a log group (`events tail` reads it)."""
    logs = client("logs")
    if not logs.describe_log_groups(logGroupNamePrefix=PUBLISHED_EVENTS_LOG_GROUP).get("logGroups"):
        logs.create_log_group(logGroupName=PUBLISHED_EVENTS_LOG_GROUP)
    arn = logs.describe_log_groups(logGroupNamePrefix=PUBLISHED_EVENTS_LOG_GROUP)["logGroups"][0]["arn"]
    archive = notification_rules()[0]
    events = client("events")
    events.put_rule(
        Name=rule_name(archive.name), EventPattern=json.dumps(archive.pattern), State="ENABLED",
        Description=archive.description,
    )  # fmt: skip
    events.put_targets(Rule=rule_name(archive.name), Targets=[{"Id": "log-group", "Arn": arn.removesuffix(":*")}])


@dataclass(frozen=True)
class Network:
    subnets: list[str]
    security_groups: list[str]


def create_network() -> Network:
    """The shared VPC networking Fargate tasks and services use (the stack takes it as context values).
    moto checks awsvpc subnets and security groups against EC2, so they must exist."""
    ec2 = client("ec2")
    tags = [
        {"ResourceType": kind, "Tags": [{"Key": NETWORK_TAG, "Value": "tasks"}]}
        for kind in ("vpc", "subnet", "security-group")
    ]
    vpc = ec2.create_vpc(CidrBlock="10.40.0.0/16", TagSpecifications=tags[:1])["Vpc"]["VpcId"]
    zones = [z["ZoneName"] for z in ec2.describe_availability_zones()["AvailabilityZones"]][:2]
    subnets = [  # in two zones, as the shared load balancer needs
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.40.{i}.0/24", AvailabilityZone=zone, TagSpecifications=tags[1:2])[
            "Subnet"
        ]["SubnetId"]
        for i, zone in enumerate(zones)
    ]
    group = ec2.create_security_group(
        GroupName="orchestrator-tasks", Description="orchestrator tasks", VpcId=vpc, TagSpecifications=tags[2:]
    )
    return Network(subnets=subnets, security_groups=[group["GroupId"]])


def find_network() -> Network | None:
    """The emulator's task networking, for a process that did not create it (the CLI's `local register`)."""
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


def create_load_balancer(network: Network) -> WebTraffic:
    """The shared ALB (internet-facing, in the network's subnets) with the stack's no-domain listener: HTTP
    :80 answering a fixed 404 to any host no app's rule names. Safe to call again."""
    ec2, elbv2 = client("ec2"), client("elbv2")
    vpc_id: str = ec2.describe_subnets(SubnetIds=network.subnets[:1])["Subnets"][0]["VpcId"]
    existing = elbv2.describe_load_balancers()["LoadBalancers"]
    found = [b for b in existing if b["LoadBalancerName"] == LOAD_BALANCER_NAME]
    balancer = found[0] if found else elbv2.create_load_balancer(
        Name=LOAD_BALANCER_NAME, Subnets=network.subnets, SecurityGroups=network.security_groups,
        Scheme="internet-facing", Type="application",
    )["LoadBalancers"][0]  # fmt: skip
    listeners = elbv2.describe_listeners(LoadBalancerArn=balancer["LoadBalancerArn"])["Listeners"]
    listener = listeners[0] if listeners else elbv2.create_listener(
        LoadBalancerArn=balancer["LoadBalancerArn"], Protocol="HTTP", Port=80,
        DefaultActions=[{"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "404"}}],
    )["Listeners"][0]  # fmt: skip
    return WebTraffic(vpc_id=vpc_id, listener_arn=str(listener["ListenerArn"]), apps_domain=LOCAL_APPS_DOMAIN)


@dataclass(frozen=True)
class OwnResources:
    """The emulator's resources created by its own code, as the stacks would (the default: no synth, fast).
    `stack_resources.StackResources` is the other source: the stacks themselves, deployed."""

    fresh_account: bool = True

    def provision(self) -> Routing:
        settings = get_settings()
        create_core_resources(settings)
        routing = create_event_routing(settings)
        network = create_network()
        web = create_load_balancer(network)
        configure(
            dlq_url=routing.dlq_url, subnets=network.subnets, security_groups=network.security_groups,
            function_role_arn=create_function_role(), listener_arn=web.listener_arn, apps_domain=web.apps_domain,
            vpc_id=web.vpc_id,
        )  # fmt: skip
        return routing

    def register(self, name: str, kind: AppKind) -> AppDeclaration:
        app = local_app(name, kind)
        register_app(app)
        return app
