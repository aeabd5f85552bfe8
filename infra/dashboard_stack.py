"""The web dashboard in AWS: a static site the browser loads from CloudFront, then AWS called directly.

Like AppPack's dashboard there is no backend: the site (built by `make dashboard` into `dashboardSite`) is
served from a private bucket through CloudFront (origin access control), and after sign-in the browser gets
credentials from a Cognito identity pool for the users role of each app the person may operate. Those roles
belong to the app stacks (`infra/app_stack.py`): each adds a user-pool group that carries its role, so the ID
token's `cognito:roles` claim lists exactly the roles of the person's groups, and the identity pool hands out
only a role the token names (token-based mapping, ambiguity denied). Nothing in this stack can read app data:
the pool's default authenticated role has no policy, and the deployment function only writes the site.
"""

from __future__ import annotations

from pathlib import Path

from aws_cdk import Aws, CfnOutput, Duration, RemovalPolicy, Stack
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudfront_origins as origins
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_cognito_identitypool as identitypool
from aws_cdk import aws_s3_deployment as s3deploy
from constructs import Construct

from infra.config import ConfigError, InfraConfig
from infra.constructs.buckets import access_log_bucket, secure_bucket
from infra.nag import acknowledge
from infra.network_stack import CLUSTER_NAME
from infra.orchestrator_stack import OrchestratorStack

# What the page may load and call: its own files, AWS's service endpoints, and the Cognito sign-in domain.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",  # charts size their canvases with inline styles
        "img-src 'self' data:",
        "connect-src 'self' https://*.amazonaws.com https://*.amazoncognito.com",
        "form-action 'self' https://*.amazoncognito.com",
        "frame-ancestors 'none'",
        "base-uri 'self'",
        "object-src 'none'",
    ]
)
# Files whose names do not change between builds: the browser and CloudFront must revalidate them.
ENTRY_FILES = ("index.html", "config.json")


def site_folder(config: InfraConfig, base: Path | None = None) -> Path:
    """The built site; synthesis fails with the command that builds it rather than deploying an empty site."""
    folder = Path(config.dashboard_site)
    if not folder.is_absolute():
        folder = (base or Path.cwd()) / folder
    if not (folder / "index.html").is_file():
        raise ConfigError(f"the dashboard is not built ({folder}/index.html is missing): run `make dashboard` first")
    return folder


class DashboardStack(Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: InfraConfig,
        orchestrator: OrchestratorStack,
        base: Path | None = None,
        **kwargs: object,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)  # type: ignore[arg-type]
        site = site_folder(config, base)

        # --- the site: a private bucket, read only by CloudFront ------------------------------------------
        self.log_bucket = access_log_bucket(self, "AccessLogs")
        self.site_bucket = secure_bucket(self, "Site", access_logs=self.log_bucket, noncurrent_days=30)
        self.distribution = cloudfront.Distribution(
            self,
            "Distribution",
            comment="Orchestrator dashboard",
            default_root_object="index.html",
            default_behavior=cloudfront.BehaviorOptions(
                origin=origins.S3BucketOrigin.with_origin_access_control(self.site_bucket),
                viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
                cache_policy=cloudfront.CachePolicy.CACHING_OPTIMIZED,
                response_headers_policy=self._security_headers(),
            ),
            http_version=cloudfront.HttpVersion.HTTP2_AND_3,
            enable_logging=True,
            log_bucket=self.log_bucket,
            log_file_prefix="dashboard/",
        )
        self.site_url = f"https://{self.distribution.distribution_domain_name}/"

        # --- who signs in: a user pool (MFA required, no self sign-up) and its hosted sign-in ---------------
        self.user_pool = cognito.UserPool(
            self,
            "Users",
            self_sign_up_enabled=False,  # an administrator invites each operator
            sign_in_aliases=cognito.SignInAliases(email=True),
            mfa=cognito.Mfa.REQUIRED,
            mfa_second_factor=cognito.MfaSecondFactor(otp=True, sms=False),
            password_policy=cognito.PasswordPolicy(
                min_length=14,
                require_lowercase=True,
                require_uppercase=True,
                require_digits=True,
                require_symbols=True,
                temp_password_validity=Duration.days(3),
            ),
            account_recovery=cognito.AccountRecovery.EMAIL_ONLY,
            deletion_protection=True,
            removal_policy=RemovalPolicy.RETAIN,
        )
        prefix = config.dashboard_auth_domain or f"orchestrator-{Aws.ACCOUNT_ID}"
        self.sign_in_domain = self.user_pool.add_domain(
            "SignIn", cognito_domain=cognito.CognitoDomainOptions(domain_prefix=prefix)
        )
        self.client = self.user_pool.add_client(
            "Site",
            generate_secret=False,  # a browser cannot keep a secret: authorization code with PKCE
            o_auth=cognito.OAuthSettings(
                flows=cognito.OAuthFlows(authorization_code_grant=True),
                scopes=[cognito.OAuthScope.OPENID, cognito.OAuthScope.EMAIL],
                callback_urls=[self.site_url],
                logout_urls=[self.site_url],
            ),
            supported_identity_providers=[cognito.UserPoolClientIdentityProvider.COGNITO],
            prevent_user_existence_errors=True,
            id_token_validity=Duration.hours(1),
            access_token_validity=Duration.hours(1),
            refresh_token_validity=Duration.hours(8),
        )

        # --- what they may do: the role their token names, nothing by default -------------------------------
        self.identity_pool = identitypool.IdentityPool(
            self,
            "Identities",
            allow_unauthenticated_identities=False,
            authentication_providers=identitypool.IdentityPoolAuthenticationProviders(
                user_pools=[
                    identitypool.UserPoolAuthenticationProvider(user_pool=self.user_pool, user_pool_client=self.client)
                ]
            ),
            role_mappings=[
                identitypool.IdentityPoolRoleMapping(
                    provider_url=identitypool.IdentityPoolProviderUrl.user_pool(self.user_pool, self.client),
                    mapping_key="dashboard",  # the provider URL is a token until deploy
                    use_token=True,
                    resolve_ambiguous_roles=False,  # a token that names no role gets no credentials
                )
            ],
        )

        # --- the site's files and its runtime configuration --------------------------------------------------
        s3deploy.BucketDeployment(
            self,
            "Assets",
            sources=[s3deploy.Source.asset(str(site), exclude=list(ENTRY_FILES))],
            destination_bucket=self.site_bucket,
            prune=False,  # a page loaded before a deploy still finds the hashed files it names
            cache_control=[s3deploy.CacheControl.from_string("public, max-age=31536000, immutable")],
        )
        entry = s3deploy.BucketDeployment(
            self,
            "Entry",
            sources=[
                s3deploy.Source.asset(str(site), exclude=["*", "!index.html"]),
                s3deploy.Source.json_data("config.json", self._site_config(config, orchestrator, prefix)),
            ],
            destination_bucket=self.site_bucket,
            prune=False,
            cache_control=[s3deploy.CacheControl.no_cache()],
            distribution=self.distribution,
            distribution_paths=[f"/{name}" for name in ENTRY_FILES] + ["/"],
        )
        entry.node.add_dependency(self.client)

        CfnOutput(self, "DashboardUrl", value=self.site_url)
        CfnOutput(self, "UserPoolId", value=self.user_pool.user_pool_id)
        CfnOutput(self, "IdentityPoolId", value=self.identity_pool.identity_pool_id)
        self._acknowledge()

    def _security_headers(self) -> cloudfront.ResponseHeadersPolicy:
        return cloudfront.ResponseHeadersPolicy(
            self,
            "SecurityHeaders",
            comment="Dashboard: CSP limited to AWS endpoints, HSTS, no framing, no referrer",
            security_headers_behavior=cloudfront.ResponseSecurityHeadersBehavior(
                content_security_policy=cloudfront.ResponseHeadersContentSecurityPolicy(
                    content_security_policy=CONTENT_SECURITY_POLICY, override=True
                ),
                strict_transport_security=cloudfront.ResponseHeadersStrictTransportSecurity(
                    access_control_max_age=Duration.days(730), include_subdomains=True, preload=True, override=True
                ),
                content_type_options=cloudfront.ResponseHeadersContentTypeOptions(override=True),
                frame_options=cloudfront.ResponseHeadersFrameOptions(
                    frame_option=cloudfront.HeadersFrameOption.DENY, override=True
                ),
                # The sign-in returns with the authorization code in the URL: never send it anywhere.
                referrer_policy=cloudfront.ResponseHeadersReferrerPolicy(
                    referrer_policy=cloudfront.HeadersReferrerPolicy.NO_REFERRER, override=True
                ),
            ),
        )

    def _site_config(self, config: InfraConfig, orchestrator: OrchestratorStack, prefix: str) -> dict[str, object]:
        """config.json, the contract between this stack and the site (README `## Dashboard`)."""
        return {
            "region": Aws.REGION,  # no "endpoint": the SDK's own (the emulator's address only locally)
            "tableName": orchestrator.table.table_name,
            "parameterPrefix": f"/{config.ssm_prefix}",
            "cluster": CLUSTER_NAME,
            "auth": {
                "mode": "cognito",
                "userPoolId": self.user_pool.user_pool_id,
                "userPoolClientId": self.client.user_pool_client_id,
                "identityPoolId": self.identity_pool.identity_pool_id,
                "domain": f"https://{prefix}.auth.{Aws.REGION}.amazoncognito.com",
                "redirectUri": self.site_url,
            },
        }

    def _acknowledge(self) -> None:
        acknowledge(
            self.user_pool,
            "COG8",
            "Threat protection needs the Plus feature plan, billed per monthly active user; self sign-up is off, "
            "MFA is required and a session gives at most one app's users role.",
        )
        acknowledge(
            self.distribution,
            "CFR1",
            "Operators of the platform work from anywhere; who may see anything is decided by Cognito and IAM.",
        )
        acknowledge(
            self.distribution,
            "CFR2",
            "The site is static files only, no data: everything it shows comes from AWS APIs that check the "
            "caller's IAM role. A web ACL would add cost without protecting any data.",
        )
        acknowledge(
            self.distribution,
            "CFR4",
            "The distribution is served on its *.cloudfront.net name, whose certificate CloudFront manages; a "
            "minimum TLS policy needs a custom domain and certificate, which this stack does not take yet.",
        )
        self._acknowledge_deployment_function()

    def _acknowledge_deployment_function(self) -> None:
        """CDK's BucketDeployment runs one shared function per stack (its id carries a hash)."""
        (function,) = [c for c in self.node.children if c.node.id.startswith("Custom::CDKBucketDeployment")]
        reason = (
            "CDK's BucketDeployment function copies the built site from the CDK asset bucket into the site "
            "bucket and invalidates the distribution: CDK writes its role (object wildcards on those two buckets, "
            "CloudFront invalidations, which take no resource ARN) and its runtime."
        )
        acknowledge(function, "IAM4", reason, "Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole")
        acknowledge(
            function,
            "IAM5",
            reason,
            "Action::s3:GetBucket*",
            "Action::s3:GetObject*",
            "Action::s3:List*",
            "Action::s3:Abort*",
            "Action::s3:DeleteObject*",
            "Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-<AWS::Region>/*",
            f"Resource::<{self.get_logical_id(self.site_bucket.node.default_child)}.Arn>/*",  # type: ignore[arg-type]
            "Resource::*",
        )
        acknowledge(function, "L1", reason)
