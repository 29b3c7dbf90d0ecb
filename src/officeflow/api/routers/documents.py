"""/v1/documents/vendors: what the tenant's vendor memory learned from clerks' corrections.

Listing needs ``documents.read`` (admins, auditors); forgetting a vendor ``documents.write``
(admins), audited (``document.vendor.forgotten``): the vendor's next document is read as if
never seen.
"""

from __future__ import annotations

from fastapi import APIRouter, Path, Query, Request

from officeflow.api.auth import guarded, principal_of
from officeflow.api.context import office
from officeflow.api.problems import bad_cursor
from officeflow.api.schemas_ai import VendorOut, VendorPage
from officeflow.documents.service import DocumentService
from officeflow.errors import ConfigurationError
from officeflow.queries.cursor import CursorInvalid, decode, encode

router = APIRouter(prefix="/v1/documents", tags=["documents"])


def _documents(request: Request) -> DocumentService:
    documents = office(request).documents
    if documents is None:
        raise ConfigurationError("this office was built without its document service")
    return documents


@router.get("/vendors", response_model=VendorPage, **guarded("documents.read"))
def list_vendors(
    request: Request,
    limit: int = Query(100, ge=1, le=500),
    cursor: str | None = Query(None, max_length=400),
) -> VendorPage:
    """The vendors the memory knows, by key, a page at a time (pass ``next_cursor`` back as
    ``cursor``): their name, the fields learned, how many corrections taught them, when."""
    try:
        after = None if cursor is None else str(decode(cursor, (str,))[0])
    except CursorInvalid:
        raise bad_cursor() from None
    found = _documents(request).vendors(principal_of(request).tenant, after=after, limit=limit + 1)
    page = found[:limit]
    return VendorPage(
        items=[VendorOut.of(v) for v in page], next_cursor=encode(page[-1].vendor_key) if len(found) > limit else None
    )


@router.delete("/vendors/{vendor:path}", response_model=VendorOut, **guarded("documents.write"))
def forget_vendor(
    request: Request, vendor: str = Path(min_length=1, max_length=300, description="a key of the vendor")
) -> VendorOut:
    """Forget what the memory learned of a vendor (named by any of its keys, e.g.
    ``vat:DE123456789``); audited. The vendor as it was; 404 when the memory does not know it."""
    principal = principal_of(request)
    return VendorOut.of(_documents(request).forget_vendor(principal.tenant, vendor, actor=principal.actor))
