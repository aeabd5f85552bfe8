"""The one Application Load Balancer every app's `web` process is served through (one ALB's cost).

- With `domain`: HTTPS :443 (TLS policy ELBSecurityPolicy-TLS13-1-2-2021-06) with a wildcard certificate
  for `*.<domain>` (DNS-validated in `hostedZoneId`, with a `*.<domain>` alias record, or `certificateArn`),
  and HTTP :80 redirecting to it.
- Without: HTTP :80 only, on the ALB's own DNS name (README, "Web traffic").
- The default action is a fixed 404: only a host rule (one per app, created by the handlers at deploy
  time, orchestrator/routing) sends anything to a task. Access logs go to the platform's log bucket.
"""

from __future__ import annotations

from aws_cdk import Duration, Stack, region_info
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_route53 as route53
from aws_cdk import aws_route53_targets as route53_targets
from aws_cdk import aws_s3 as s3
from constructs import Construct

from infra.config import InfraConfig
from infra.nag import acknowledge

LOAD_BALANCER_NAME = "orchestrator"  # fixed: the handlers' grant on its listener rules names it
ACCESS_LOG_PREFIX = "load-balancer"
TLS_POLICY = elbv2.SslPolicy.RECOMMENDED_TLS  # ELBSecurityPolicy-TLS13-1-2-2021-06
NOT_FOUND = elbv2.ListenerAction.fixed_response(
    404, content_type="text/plain", message_body="No app is served at this host name.\n"
)


class SharedLoadBalancer(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: InfraConfig,
        vpc: ec2.IVpc,
        security_group: ec2.ISecurityGroup,
        log_bucket: s3.IBucket,
    ) -> None:
        super().__init__(scope, construct_id)
        self.load_balancer = elbv2.ApplicationLoadBalancer(
            self,
            "LoadBalancer",
            load_balancer_name=LOAD_BALANCER_NAME,
            vpc=vpc,
            internet_facing=True,
            vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PUBLIC),
            security_group=security_group,
            drop_invalid_header_fields=True,
            idle_timeout=Duration.seconds(60),
        )
        self._log_access(log_bucket)
        self.zone = (
            route53.HostedZone.from_hosted_zone_attributes(
                self, "Zone", hosted_zone_id=config.hosted_zone_id, zone_name=config.domain
            )
            if config.hosted_zone_id and config.domain
            else None
        )
        self.certificate = self._certificate(config)
        if self.certificate is None:
            self.listener = self.load_balancer.add_listener(
                "Http", port=80, protocol=elbv2.ApplicationProtocol.HTTP, open=False, default_action=NOT_FOUND
            )
        else:
            self.listener = self.load_balancer.add_listener(
                "Https",
                port=443,
                protocol=elbv2.ApplicationProtocol.HTTPS,
                ssl_policy=TLS_POLICY,
                certificates=[elbv2.ListenerCertificate.from_certificate_manager(self.certificate)],
                open=False,
                default_action=NOT_FOUND,
            )
            self.load_balancer.add_listener(
                "HttpRedirect",
                port=80,
                protocol=elbv2.ApplicationProtocol.HTTP,
                open=False,
                default_action=elbv2.ListenerAction.redirect(protocol="HTTPS", port="443", permanent=True),
            )
        self.domain = config.domain or self.load_balancer.load_balancer_dns_name
        if self.zone is not None:
            route53.ARecord(
                self,
                "WildcardAlias",
                zone=self.zone,
                record_name=f"*.{config.domain}.",
                target=route53.RecordTarget.from_alias(route53_targets.LoadBalancerTarget(self.load_balancer)),
            )
        acknowledge(
            security_group,
            "EC23",
            "The shared load balancer is the apps' public entry point: it admits HTTP and HTTPS from anywhere "
            "and answers 404 to any host that no app's rule names.",
        )

    def _log_access(self, log_bucket: s3.IBucket) -> None:
        """`log_access_logs()` needs a concrete region; the stacks are region-agnostic. ELB delivers logs as
        its regional account (regions before August 2022, a CfnMapping of aws-cdk's region facts; this
        account where there is none) or as the log-delivery service principal (newer regions)."""
        stack = Stack.of(self)
        elb_account = stack.regional_fact(region_info.FactName.ELBV2_ACCOUNT, stack.account)
        objects = log_bucket.arn_for_objects(f"{ACCESS_LOG_PREFIX}/AWSLogs/{stack.account}/*")
        log_bucket.add_to_resource_policy(
            iam.PolicyStatement(
                sid="LoadBalancerAccessLogs",
                actions=["s3:PutObject"],
                principals=[
                    iam.AccountPrincipal(elb_account),
                    iam.ServicePrincipal("logdelivery.elasticloadbalancing.amazonaws.com"),
                ],
                resources=[objects],
            )
        )
        self.load_balancer.set_attribute("access_logs.s3.enabled", "true")
        self.load_balancer.set_attribute("access_logs.s3.bucket", log_bucket.bucket_name)
        self.load_balancer.set_attribute("access_logs.s3.prefix", ACCESS_LOG_PREFIX)
        if log_bucket.policy is not None:  # ELB checks that it may write when the attribute is set
            self.load_balancer.node.add_dependency(log_bucket.policy)

    def _certificate(self, config: InfraConfig) -> acm.ICertificate | None:
        if config.domain is None:
            return None
        if config.certificate_arn:
            return acm.Certificate.from_certificate_arn(self, "Certificate", config.certificate_arn)
        assert self.zone is not None  # InfraConfig: a domain has a hostedZoneId or a certificateArn
        return acm.Certificate(
            self,
            "Certificate",
            domain_name=f"*.{config.domain}",
            validation=acm.CertificateValidation.from_dns(self.zone),
        )
