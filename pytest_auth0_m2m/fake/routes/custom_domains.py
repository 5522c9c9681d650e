"""/custom-domains: where Auth0's answer needs state the engine's generic create lacks.

The engine stores and answers custom domains (routes/engine.py); this family makes what Auth0
computes: the verification method a new domain asks for, whether it is the tenant's primary
domain, a duplicate refused, the verification that makes it ready, and its test. Facts from the
terraform provider's recordings: TestAccCustomDomain.yaml and TestAccDataSourceCustomDomain.yaml
(2025: an auth0-managed domain asks for a CNAME to
``<tenant>-<id>.edge.tenants.<region>.auth0.com``, a self-managed one for a TXT record of a
UUID at ``_cf-custom-hostname.<domain>``; only a tenant's first domain is primary) and
TestAccCustomDomainVerificationWithAuth0ManagedCerts.yaml (POST .../verify answers 201 with
status "ready" and ``origin_domain_name``, the CNAME target).
"""

from __future__ import annotations

import uuid
from typing import Any

from ..common import Reply, mgmt_error, not_found_error
from . import Call, HandlerTable, engine

HANDLERS = HandlerTable()
STORE = "/custom-domains"
# The spec's 409 for POST /custom-domains and POST .../test (no recording shows either).
EXISTS = "Custom domain already exists."
NOT_READY = "The custom domain is not ready."


def _edge(tenant_domain: str, domain_id: str) -> str:
    """The CNAME target of an auth0-managed domain: the tenant's name, the domain's id, the
    tenant's region (a US tenant's host names none)."""
    host = tenant_domain.split(":")[0]
    labels = host.split(".")
    region = labels[1] if len(labels) == 4 and host.endswith(".auth0.com") else "us"
    return f"{labels[0]}-{domain_id.replace('_', '-').lower()}.edge.tenants.{region}.auth0.com"


def _method(tenant_domain: str, item: dict[str, Any]) -> dict[str, str]:
    domain = str(item.get("domain", ""))
    if item.get("type") == "self_managed_certs":
        record = str(uuid.uuid4())
        return {"name": "TXT", "record": record, "domain": f"_cf-custom-hostname.{domain}"}
    target = _edge(tenant_domain, str(item["custom_domain_id"]))
    return {"name": "CNAME", "record": target, "domain": domain}


def _stored(call: Call) -> dict[str, Any]:
    found = call.tenant.collections.get(STORE, {}).get(call.params["id"])
    if found is None:
        raise not_found_error("The custom domain does not exist.", "inexistent_custom_domain")
    return found


_ENGINE_CREATE = engine.handler("post_custom-domains")


@HANDLERS.route("post_custom-domains")
def create(call: Call) -> Reply:
    assert _ENGINE_CREATE is not None  # the spec's operation: the engine always has its facts
    wanted = str(call.body().get("domain", "")).lower()
    tenant = call.tenant
    with tenant.lock:
        held = tenant.collections.get(STORE, {})
        if any(str(i.get("domain", "")).lower() == wanted for i in held.values()):
            raise mgmt_error(409, EXISTS)
        first = not held
        status, answer = _ENGINE_CREATE(call)
        assert isinstance(answer, dict)
        item = tenant.collections[STORE][str(answer["custom_domain_id"])]
        item["primary"] = first
        item["verification"] = {"methods": [_method(tenant.domain, item)]}
        answer.update(primary=first, verification=dict(item["verification"]))
        return status, answer


@HANDLERS.route("post_verify")
def verify(call: Call) -> Reply:
    # The emulator resolves no DNS: the record asked for counts as found.
    tenant = call.tenant
    with tenant.lock:
        item = _stored(call)
        item["status"] = "ready"
        item["origin_domain_name"] = _edge(tenant.domain, str(item["custom_domain_id"]))
        return 201, dict(item)


@HANDLERS.route("post_test_domain")
def test_domain(call: Call) -> Reply:
    # The spec's TestCustomDomainResponseContent; a domain not yet verified is its 409. The
    # emulator reaches no domain: a ready one passes.
    with call.tenant.lock:
        item = _stored(call)
        if item.get("status") != "ready":
            raise mgmt_error(409, NOT_READY)
        return 200, {"success": True, "message": f"The custom domain {item['domain']} is ready."}
