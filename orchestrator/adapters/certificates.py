"""AWS Certificate Manager: one DNS-validated certificate per custom domain. Only calls ACM."""

from __future__ import annotations

from dataclasses import dataclass

from orchestrator.adapters.aws_errors import RequestRefusedError, refusals_are_final
from orchestrator.adapters.clients import client


@dataclass(frozen=True)
class ValidationRecord:
    name: str
    type: str
    value: str


@dataclass(frozen=True)
class Certificate:
    arn: str
    host: str
    status: str  # PENDING_VALIDATION, ISSUED, FAILED, ...
    validation: ValidationRecord | None = None


class Certificates:
    def request(self, host: str, idempotency_token: str, tags: dict[str, str]) -> str:
        """A DNS-validated certificate for `host`. ACM returns the same certificate for a repeated call with
        the same token (within an hour), so a redelivered event does not make a second one."""
        with refusals_are_final():
            response = client("acm").request_certificate(
                DomainName=host,
                ValidationMethod="DNS",
                IdempotencyToken=idempotency_token,
                Tags=[{"Key": k, "Value": v} for k, v in sorted(tags.items())],
            )
        return str(response["CertificateArn"])

    def describe(self, arn: str) -> Certificate | None:
        try:
            with refusals_are_final():
                found = client("acm").describe_certificate(CertificateArn=arn)["Certificate"]
        except RequestRefusedError as error:
            if error.code == "ResourceNotFoundException":
                return None
            raise
        record = None
        for option in found.get("DomainValidationOptions", []):
            resource = option.get("ResourceRecord")
            if resource:
                record = ValidationRecord(resource["Name"], resource["Type"], resource["Value"])
                break
        return Certificate(arn, str(found.get("DomainName", "")), str(found.get("Status", "")), record)

    def delete(self, arn: str) -> bool:
        """True once the certificate is gone (already gone included). False while ACM still counts it in
        use (ResourceInUseException): a listener that just let it go can keep it in use for a while."""
        try:
            with refusals_are_final():
                client("acm").delete_certificate(CertificateArn=arn)
        except RequestRefusedError as error:
            if error.code == "ResourceInUseException":
                return False
            if error.code != "ResourceNotFoundException":
                raise
        return True
