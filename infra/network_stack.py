"""Shared networking for every app's Fargate tasks: VPC, the tasks' security group and the ECS cluster.

Cost choice (context `natGateways`, default 0): public subnets only, tasks get a public IP and reach ECR,
SSM and CloudWatch over the internet gateway, and the security group admits only the shared load balancer's
security group, on the container port. No NAT gateway (~32 USD/month each) is billed. With `natGateways` >= 1 the tasks run in private subnets behind NAT.
"""

from __future__ import annotations

from typing import Any

from aws_cdk import RemovalPolicy, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_logs as logs
from constructs import Construct

from infra.config import InfraConfig

CLUSTER_NAME = "orchestrator"
# The port every app's `web` container listens on (CONFIG#ecs `container_port`, PORT in its environment).
WEB_CONTAINER_PORT = 8000


class NetworkStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, *, config: InfraConfig, **kwargs: Any) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.private_tasks = config.nat_gateways > 0
        subnets = [ec2.SubnetConfiguration(name="public", subnet_type=ec2.SubnetType.PUBLIC, cidr_mask=24)]
        if self.private_tasks:
            subnets.append(
                ec2.SubnetConfiguration(name="tasks", subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS, cidr_mask=22)
            )
        flow_log_group = logs.LogGroup(
            self,
            "FlowLogs",
            retention=logs.RetentionDays.ONE_MONTH,
            removal_policy=RemovalPolicy.DESTROY,
        )
        self.vpc = ec2.Vpc(
            self,
            "Vpc",
            ip_addresses=ec2.IpAddresses.cidr("10.80.0.0/16"),
            max_azs=config.max_azs,
            nat_gateways=config.nat_gateways,
            subnet_configuration=subnets,
            flow_logs={
                "all": ec2.FlowLogOptions(
                    destination=ec2.FlowLogDestination.to_cloud_watch_logs(flow_log_group),
                    traffic_type=ec2.FlowLogTrafficType.REJECT,
                )
            },
        )
        self.task_subnets = self.vpc.select_subnets(
            subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS if self.private_tasks else ec2.SubnetType.PUBLIC
        )
        self.assign_public_ip = "DISABLED" if self.private_tasks else "ENABLED"
        self.task_security_group = ec2.SecurityGroup(
            self,
            "TaskSecurityGroup",
            vpc=self.vpc,
            description="Orchestrator app tasks: inbound only from the load balancer; all outbound",
            allow_all_outbound=True,
        )
        # Here, next to the tasks' group, so that the rule between them does not make the stacks depend on
        # each other (the load balancer itself lives in the orchestrator stack, beside its log bucket).
        self.load_balancer_security_group = ec2.SecurityGroup(
            self,
            "LoadBalancerSecurityGroup",
            vpc=self.vpc,
            description="Orchestrator shared load balancer: HTTP(S) from anywhere, out only to the app tasks",
            allow_all_outbound=False,
        )
        for port in (80, 443):
            self.load_balancer_security_group.add_ingress_rule(
                ec2.Peer.any_ipv4(), ec2.Port.tcp(port), f"public HTTP{'S' if port == 443 else ''}"
            )
        self.task_security_group.connections.allow_from(
            self.load_balancer_security_group,
            ec2.Port.tcp(WEB_CONTAINER_PORT),
            "the shared load balancer, to the web containers",
        )
        self.cluster = ecs.Cluster(
            self,
            "Cluster",
            cluster_name=CLUSTER_NAME,
            vpc=self.vpc,
            container_insights_v2=ecs.ContainerInsights.ENABLED,
            enable_fargate_capacity_providers=True,
        )
