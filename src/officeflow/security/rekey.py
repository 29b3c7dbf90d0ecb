"""Moving what is stored to the current secret key: ``officeflow keys rotate``.

To change the key, every process is given the new ``OFFICEFLOW_SECRET_KEY`` with the old one in
``OFFICEFLOW_SECRET_KEYS_RETIRED`` (one process at a time is fine: retired keys are still read).
Then ``rotate``:

1. encrypts every stored secret again with the current key;
2. for each tenant with an audit log: seals what is waiting (entries MACed with a retired key are
   MACed again), walks the whole chain, each entry verified under the key it was signed with,
   and signs every entry, link and the head again with the current key
   (officeflow.security.audit_reseal). One transaction per tenant, holding the chain's lock. If
   the chain does not verify, that tenant's log is left as it was and the finding is reported: a
   tampered log is never re-signed into a valid one. Heads written down before (``officeflow
   audit head``) no longer match: write the new ones down;
3. records ``keys.rotated`` in each re-signed tenant's log.

Afterwards nothing stored needs a retired key, and they can be removed from the configuration.
"""

from __future__ import annotations

import functools
import time
from dataclasses import dataclass, field
from typing import Any

from officeflow.security.audit import AuditLog, record
from officeflow.security.audit_chain import Finding
from officeflow.security.audit_reseal import ChainBroken, reseal
from officeflow.security.secrets import Secrets
from officeflow.store.tx import Tx


@dataclass
class Rotation:
    secrets: int = 0
    """stored secrets encrypted again"""
    resigned: dict[str, int] = field(default_factory=dict)
    """tenant -> audit entries signed again"""
    refused: dict[str, Finding] = field(default_factory=dict)
    """tenant -> why its log was left as it was"""


def rotate(audit: AuditLog, secrets: Secrets, *, actor: str) -> Rotation:
    """Move the stored secrets and every tenant's audit log to the current key (see above)."""
    done = Rotation(secrets=secrets.rotate())
    audit.seal()
    with audit.store.read() as tx:
        tenants = tx.audit_tenants()
    retired = [k.fingerprint for k in audit.keyring.retired]
    for tenant in tenants:
        try:
            done.resigned[tenant] = audit.store.run(functools.partial(_resign, audit, tenant=tenant))
        except ChainBroken as broken:
            done.refused[tenant] = broken.finding
            continue
        after = {"entries_resigned": done.resigned[tenant], "retired": retired}
        audit.store.run(functools.partial(_record_rotation, audit, tenant=tenant, actor=actor, after=after))
        audit.seal(tenant)
    return done


def _record_rotation(audit: AuditLog, tx: Tx, *, tenant: str, actor: str, after: dict[str, Any]) -> None:
    record(
        tx,
        audit.keyring,
        tenant=tenant,
        at=time.time(),
        actor=actor,
        action="keys.rotated",
        object_type="key",
        object_id=audit.keyring.fingerprint,
        after=after,
    )


def _resign(audit: AuditLog, tx: Tx, *, tenant: str) -> int:
    return reseal(tx, audit.keyring, tenant)
