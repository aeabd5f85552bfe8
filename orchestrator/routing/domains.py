"""An app's custom domains on the shared listener: host claims, certificates, and the host rules.

- A host belongs to one app: `DOMAIN#<host>` / `CLAIM` is put only if absent and names the owner; the
  claim also keeps the host's certificate ARN, so a redelivered change never requests a second one.
- Each new host gets a DNS-validated ACM certificate (one request per app and host: ACM's idempotency
  token), attached to the listener (SNI) once ISSUED, and only when the listener is HTTPS.
- ELBv2 allows five condition values per rule, so the app's rule carries its own host and the first four
  custom hosts; further hosts go five at a time into extra rules forwarding to the same target group, each
  at a priority claimed for `<app>#hosts-<n>` (routing/priorities.py).
- A removed host leaves the rules first, then its certificate is detached and deleted, then the claim goes.
Every step reads what exists before it changes it, so the same change applied twice changes nothing more.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from boto3.dynamodb.conditions import Attr

from orchestrator.adapters.aws_errors import RequestRefusedError
from orchestrator.adapters.certificates import Certificate, Certificates
from orchestrator.adapters.load_balancing import ListenerRule, LoadBalancing
from orchestrator.adapters.store import Store
from orchestrator.pipeline import keys
from orchestrator.pipeline.apps import AppRef, app_tags
from orchestrator.routing.certificates import (
    CertificateDeps,
    record_retirement,
    retire_certificate,
    settle_certificate,
)
from orchestrator.routing.hosts import app_host
from orchestrator.routing.priorities import (
    PRIORITY_PREFIX,
    claim_priority,
    listener_pk,
    priority_sk,
    release_priority,
)
from orchestrator.settings import get_settings

HOSTS_PER_RULE = 5  # ELBv2: at most five condition values per rule
CLAIM_SK = "CLAIM"
DOMAINS_SK = "DOMAINS"  # APP#<app> / DOMAINS: the custom hosts the app's rules carry


class DomainClaimedError(RuntimeError):
    """Another app claimed the host between the check and the claim."""


@dataclass
class DomainDeps:
    store: Store = field(default_factory=Store)
    load_balancing: LoadBalancing = field(default_factory=LoadBalancing)
    certificates: Certificates = field(default_factory=Certificates)

    @property
    def certificate_deps(self) -> CertificateDeps:
        return CertificateDeps(self.store, self.load_balancing, self.certificates)


@dataclass(frozen=True)
class DomainResult:
    changes: list[str]
    pending: list[str]  # hosts whose certificate is not issued yet


def domain_pk(host: str) -> str:
    return f"DOMAIN#{host}"


def host_owner(store: Store, host: str) -> str | None:
    item = store.get(domain_pk(host), CLAIM_SK)
    return str(item["owner"]) if item else None


def host_claim(store: Store, host: str) -> dict[str, Any] | None:
    return store.get(domain_pk(host), CLAIM_SK)


def custom_hosts(store: Store, app: str) -> list[str]:
    """The custom hosts the app's rules should carry (empty before any domain change)."""
    item = store.get(keys.app_pk(app), DOMAINS_SK) or {}
    return [str(h) for h in item.get("hosts") or []]


def host_groups(own_host: str, custom: list[str]) -> list[list[str]]:
    """The host lists of the app's rules: its own host and four custom ones, then five per rule. Pure."""
    rest = [h for h in custom if h != own_host]
    first = HOSTS_PER_RULE - 1
    return [[own_host, *rest[:first]]] + [rest[i : i + HOSTS_PER_RULE] for i in range(first, len(rest), HOSTS_PER_RULE)]


def extra_rule_owner(app: str, group: int) -> str:
    return f"{app}#hosts-{group}"


def _claim(store: Store, host: str, app: str) -> bool:
    if store.put_if_absent({"primary_id": domain_pk(host), "secondary_id": CLAIM_SK, "host": host, "owner": app}):
        return True
    return host_owner(store, host) == app


def _certificate(ref: AppRef, host: str, deps: DomainDeps) -> Certificate | None:
    claim = host_claim(deps.store, host) or {}
    arn = str(claim.get("certificate_arn") or "")
    if not arn:
        token = hashlib.sha256(f"{ref.name}|{host}".encode()).hexdigest()[:32]
        arn = deps.certificates.request(host, token, app_tags(ref))
        deps.store.set_fields_if(domain_pk(host), CLAIM_SK, {"certificate_arn": arn}, Attr("owner").eq(ref.name))
    return deps.certificates.describe(arn)


def _rule_at(rules: list[ListenerRule], priority: int) -> ListenerRule | None:
    return next((r for r in rules if r.priority == priority), None)


def sync_host_rules(ref: AppRef, deps: DomainDeps) -> list[str]:
    """Bring the app's rules in line with its own host and stored custom hosts. Nothing before the app's
    first deploy made its route (the deploy calls this after making it)."""
    from orchestrator.routing.web import read_route  # web.py calls this module

    route = read_route(deps.store, ref.name)
    settings = get_settings()
    if route is None or not route.rule_arn or not route.target_group_arn:
        return []
    lb = deps.load_balancing
    groups = host_groups(app_host(ref, settings.apps_domain), custom_hosts(deps.store, ref.name))
    rules = lb.rules(route.listener_arn)
    changes: list[str] = []
    main = _rule_at(rules, route.priority)
    if (
        main is not None
        and route.target_group_arn in main.target_group_arns
        and sorted(main.hosts) != sorted(groups[0])
    ):
        lb.set_rule(main.arn, groups[0], route.target_group_arn)
        changes.append(f"rule {route.priority}: {', '.join(groups[0])}")
    for number, hosts in enumerate(groups[1:], start=1):
        changes += _extra_rule(deps, route.listener_arn, extra_rule_owner(ref.name, number), hosts,
                               route.target_group_arn, rules)  # fmt: skip
    changes += remove_extra_rules(ref, deps, keep=len(groups) - 1, rules=rules, listener_arn=route.listener_arn,
                                  target_group_arn=route.target_group_arn)  # fmt: skip
    return changes


FOREIGN_OWNER = "(a rule the orchestrator did not make)"
EXTRA_RULE_ATTEMPTS = 10


def _extra_rule(
    deps: DomainDeps, listener_arn: str, owner: str, hosts: list[str], target_group_arn: str,
    rules: list[ListenerRule],
) -> list[str]:  # fmt: skip
    """Make (or confirm) one extra host rule at a priority claimed for `owner`. A rule the orchestrator did
    not make at that number (made outside it, or PriorityInUse on create) keeps it: the number is recorded as
    that rule's, so no claim takes it again, and the next free one is claimed, as a first deploy does."""
    store, lb = deps.store, deps.load_balancing
    for _ in range(EXTRA_RULE_ATTEMPTS):
        priority = claim_priority(store, listener_arn, owner)
        rule = _rule_at(rules, priority)
        if rule is None:
            try:
                lb.create_rule(listener_arn, priority, hosts, target_group_arn)
                return [f"rule {priority} created: {', '.join(hosts)}"]
            except RequestRefusedError as error:
                if error.code != "PriorityInUse":
                    raise
                rules[:] = lb.rules(listener_arn)
                rule = _rule_at(rules, priority)
                if rule is None:
                    raise
        if target_group_arn in rule.target_group_arns:
            if sorted(rule.hosts) == sorted(hosts):
                return []
            lb.set_rule(rule.arn, hosts, target_group_arn)
            return [f"rule {priority}: {', '.join(hosts)}"]
        release_priority(store, listener_arn, owner, priority)
        store.put_if_absent({"primary_id": listener_pk(listener_arn), "secondary_id": priority_sk(priority),
                             "priority": priority, "owner": FOREIGN_OWNER, "rule_arn": rule.arn})  # fmt: skip
    raise RuntimeError(f"{owner}: no free listener priority after {EXTRA_RULE_ATTEMPTS} rules made elsewhere")


def remove_extra_rules(
    ref: AppRef, deps: DomainDeps, *, keep: int, rules: list[ListenerRule], listener_arn: str, target_group_arn: str
) -> list[str]:
    """Delete the app's extra host rules numbered above `keep` and give their priorities back."""
    changes: list[str] = []
    prefix = f"{ref.name}#hosts-"
    for claim in deps.store.query(listener_pk(listener_arn), PRIORITY_PREFIX):
        owner = str(claim.get("owner", ""))
        if not owner.startswith(prefix) or int(owner[len(prefix) :]) <= keep:
            continue
        priority = int(claim["priority"])
        rule = _rule_at(rules, priority)
        if rule is not None and target_group_arn in rule.target_group_arns:
            deps.load_balancing.delete_rule(rule.arn)
            changes.append(f"rule {priority} deleted")
        release_priority(deps.store, listener_arn, owner, priority)
    return changes


def _copy_to_settings(store: Store, ref: AppRef, hosts: list[str]) -> None:
    """AppPack keeps an app's domains in its settings item's `value.domains`. An app's item is its stack's
    (only its `value.domains` is set); a review app's `APP#<pipeline>:<N>` / `settings` is made here, and
    not for an empty list (a teardown's deleted parameter leaves no item behind)."""
    if not ref.is_review_app:
        store.set_fields_if(keys.app_pk(ref.name), keys.SETTINGS_SK, {"value.domains": hosts}, Attr("value").exists())
        return

    def change(item: dict[str, Any] | None) -> dict[str, Any] | None:
        if item is None and not hosts:
            return None
        base = item or {"name": ref.name, "kind": "review_app"}
        value = base.get("value")
        return {**base, "value": {**(value if isinstance(value, dict) else {}), "domains": hosts}}

    store.update(keys.app_pk(ref.name), keys.SETTINGS_SK, change)


def apply_domains(ref: AppRef, hosts: list[str], deps: DomainDeps) -> DomainResult:
    """Make `hosts` the app's custom domains (already validated). Raises DomainClaimedError when another app
    claimed one meanwhile; the hosts claimed by this call are then given back."""
    store = deps.store
    claimed_now: list[str] = []
    for host in hosts:
        new = host_owner(store, host) is None
        if not _claim(store, host, ref.name):
            for mine in claimed_now:
                store.delete_if(domain_pk(mine), CLAIM_SK, Attr("owner").eq(ref.name))
            raise DomainClaimedError(f"{host!r} is already a domain of {host_owner(store, host)!r}")
        if new:
            claimed_now.append(host)
    previous = custom_hosts(store, ref.name)
    store.put({"primary_id": keys.app_pk(ref.name), "secondary_id": DOMAINS_SK, "app": ref.name, "hosts": hosts})
    changes = [f"claimed {h}" for h in claimed_now]
    pending: list[str] = []
    for host in hosts:
        certificate = _certificate(ref, host, deps)
        if certificate is None or settle_certificate(ref.name, host, certificate, deps.certificate_deps):
            pending.append(host)
    changes += sync_host_rules(ref, deps)
    for host in [h for h in previous if h not in hosts]:
        changes += release_domain(ref, host, deps)
    _copy_to_settings(store, ref, hosts)
    return DomainResult(changes, pending)


def release_domain(ref: AppRef, host: str, deps: DomainDeps) -> list[str]:
    """Detach and delete the host's certificate and give the claim back (its rules no longer carry it)."""
    claim = host_claim(deps.store, host)
    if claim is None or claim.get("owner") != ref.name:
        return []
    arn = str(claim.get("certificate_arn") or "")
    if arn:  # recorded before the claim goes, so a failure in between leaves the deletion to the next check
        record_retirement(deps.store, host, arn)
    deps.store.delete_if(domain_pk(host), CLAIM_SK, Attr("owner").eq(ref.name))
    if arn and not retire_certificate(host, arn, deps.certificate_deps):
        return [f"released {host} (its certificate is deleted once ACM no longer counts it in use)"]
    return [f"released {host}"]


@dataclass(frozen=True)
class DomainStatus:
    """What a person needs to make a custom domain work: the DNS records and how far the certificate got."""

    host: str
    certificate: str  # ISSUED, PENDING_VALIDATION, ... or "not requested yet"
    validation: dict[str, str] | None  # the ACM validation record: name, type, value
    target: str  # where the host's CNAME (or alias) points: the load balancer's DNS name
    listener: str = ""  # how far the certificate got: pending issuance, attached... (routing/certificates.py)

    def as_json(self) -> dict[str, Any]:
        return {"host": self.host, "certificate": self.certificate, "validation": self.validation, "cname": self.target,
                "listener": self.listener}  # fmt: skip


def platform_of(ref: AppRef, store: Store) -> tuple[str, str]:
    """(apps domain, listener ARN) for a process that is not the orchestrator's (the CLI): its settings when
    set, else what the app's deploy recorded in its route (its own host is `<app>.<apps domain>`)."""
    from orchestrator.routing.web import read_route  # web.py calls this module

    settings = get_settings()
    if settings.listener_arn:
        return settings.apps_domain, settings.listener_arn
    route = read_route(store, ref.name)
    if route is None or not route.hosts:
        return settings.apps_domain, ""
    return route.hosts[0].removeprefix(f"{ref.resource_name}."), route.listener_arn


def domain_statuses(ref: AppRef, hosts: list[str], deps: DomainDeps) -> list[DomainStatus]:
    """Reads only: each host's certificate (from its claim) and the load balancer's DNS name."""
    listener = platform_of(ref, deps.store)[1]
    target = deps.load_balancing.dns_name(listener) if listener else ""
    statuses = []
    for host in hosts:
        claim = host_claim(deps.store, host) or {}
        arn = str(claim.get("certificate_arn") or "")
        certificate = deps.certificates.describe(arn) if arn else None
        record = certificate.validation if certificate else None
        statuses.append(
            DomainStatus(
                host=host,
                certificate=certificate.status if certificate else "not requested yet",
                validation={"name": record.name, "type": record.type, "value": record.value} if record else None,
                target=target,
                listener=str(claim.get("certificate_state") or ""),
            )
        )
    return statuses
