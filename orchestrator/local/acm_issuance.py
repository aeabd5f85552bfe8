"""ACM in the emulator: a DNS-validated certificate is issued a simulated minute after it is requested (as if
its validation record had been created), and ACM's "ACM Certificate Available" event is published then, in
the shape AWS documents (tests/fixtures/aws-events/acm_certificate_available.json), so it reaches the
certificates route through the same rule as in AWS."""

from __future__ import annotations

from typing import Any

from orchestrator.adapters.clients import client
from orchestrator.events.acm import CERTIFICATE_AVAILABLE
from orchestrator.local.aws_events import envelope
from orchestrator.local.moto_patches import issue_certificate
from orchestrator.local.simulate import Bus, Clock, Scheduler
from orchestrator.settings import get_settings

VALIDATION_TICKS = 12  # one simulated minute: DNS validation of a record that is already in place


def certificate_available(arn: str, certificate: dict[str, Any], region: str, clock: Clock) -> dict[str, Any]:
    detail = {
        "Action": "ISSUANCE",
        "CertificateType": "AMAZON_ISSUED",
        "CommonName": certificate.get("DomainName", ""),
        "DomainValidationMethod": "DNS",
        "InUse": bool(certificate.get("InUseBy")),
        "Exported": False,
    }
    return envelope("aws.acm", CERTIFICATE_AVAILABLE, detail, resources=[arn], region=region, when=clock.now())


class CertificateIssuanceSimulator:
    def __init__(self, clock: Clock, scheduler: Scheduler, bus: Bus) -> None:
        self.clock, self.scheduler, self.bus = clock, scheduler, bus
        self.seen: set[str] = set()

    def step(self) -> int:
        """Schedule the issuance of each certificate newly pending validation. Returns how many."""
        acm = client("acm")
        pending = [
            str(c["CertificateArn"])
            for page in acm.get_paginator("list_certificates").paginate(CertificateStatuses=["PENDING_VALIDATION"])
            for c in page.get("CertificateSummaryList", [])
        ]
        new = [arn for arn in pending if arn not in self.seen]
        for arn in new:
            self.seen.add(arn)
            self.scheduler.at(VALIDATION_TICKS, lambda arn=arn: self._issue(arn))  # type: ignore[misc]
        return len(new)

    def _issue(self, arn: str) -> None:
        region = get_settings().region
        if not issue_certificate(region, arn):  # deleted meanwhile: nothing to announce
            return
        certificate = client("acm").describe_certificate(CertificateArn=arn)["Certificate"]
        self.bus.put(certificate_available(arn, certificate, region, self.clock))
