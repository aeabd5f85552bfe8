"""cdk-nag (v3) wiring: the AwsSolutions pack as a CDK validation plugin, and reasoned acknowledgments.

cdk-nag v3 replaced `NagSuppressions` with CDK's own `Validations.of(construct).acknowledge(...)`; a finding
with a detail (IAM5's wildcard, IAM4's managed policy) is acknowledged individually as `Rule[detail]`.
Every acknowledgment here carries a reason specific to the resource it is attached to.
"""

from __future__ import annotations

from aws_cdk import Acknowledgment, App, Stack, Validations
from cdk_nag import AwsSolutionsChecks
from constructs import IConstruct

# The JSON copy of the validation report (policy-validation-report.json) that the infra tests read.
REPORT_CONTEXT = {"@aws-cdk/core:validationReportJson": True}


def add_nag_checks(app: App) -> None:
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))


def acknowledge(construct: IConstruct, rule: str, reason: str, *details: str) -> None:
    """Acknowledge `AwsSolutions-<rule>` on `construct` (and its children), once per detail when given."""
    ids = [f"AwsSolutions-{rule}[{d}]" for d in details] if details else [f"AwsSolutions-{rule}"]
    Validations.of(construct).acknowledge(*(Acknowledgment(id=i, reason=reason) for i in ids))


def render(value: object) -> str:
    """A resolved CloudFormation value as cdk-nag writes it in a finding's detail:
    `Fn::Join` concatenated, `Ref` as `<Name>`, `Fn::GetAtt` as `<Logical.Attribute>`."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and len(value) == 1:
        ((function, argument),) = value.items()
        if function == "Fn::Join":
            separator, parts = argument
            return str(separator).join(render(p) for p in parts)
        if function == "Ref":
            return f"<{argument}>"
        if function == "Fn::GetAtt":
            return f"<{argument[0]}.{argument[1]}>"
        if function == "Fn::ImportValue":
            return render(argument)
    raise ValueError(f"cannot render {value!r} as a cdk-nag finding detail")


def resource_details(stack: Stack, *resources: str) -> list[str]:
    """`Resource::<rendered ARN>` details of IAM5 findings for these (possibly tokenized) ARNs."""
    return [f"Resource::{render(stack.resolve(r))}" for r in resources]
