"""Request and response bodies of the AI layer's administration: the tenant's LLM token budget
(/v1/llm/budget) and the documents' vendor memory (/v1/documents/vendors)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from officeflow.api.schemas import MAX_INT, Input, Model
from officeflow.clock import iso
from officeflow.documents.service import VendorSummary
from officeflow.llm.budgets import BudgetView


class BudgetIn(Input):
    tokens: int | None = Field(
        ...,
        ge=1,
        le=MAX_INT,
        description="the tenant's own limit, tokens per window; null: back to the setting's limit",
    )


class BudgetOut(Model):
    tenant: str
    tokens: int | None = Field(description="the limit in force, tokens per window (null: unlimited)")
    source: Literal["tenant", "default"] = Field(
        description="tenant: the tenant's own limit; default: the setting OFFICEFLOW_LLM_TENANT_TOKENS"
    )
    default_tokens: int | None = Field(description="the setting's limit (null: unlimited)")
    period: str = Field(description="the window (OFFICEFLOW_LLM_TOKEN_PERIOD): a duration such as 1d, or month")
    window_start: str
    window_end: str
    used: int = Field(description="tokens the calls of the current window used")
    reserved: int = Field(description="tokens held by calls under way")
    remaining: int | None = Field(description="what the window still allows (null: unlimited)")
    calls: int
    updated_at: str | None = Field(description="when the tenant's own limit was set (null: it has none)")
    updated_by: str | None

    @classmethod
    def of(cls, view: BudgetView) -> BudgetOut:
        return cls(
            tenant=view.tenant,
            tokens=view.tokens,
            source=view.source,
            default_tokens=view.default_tokens,
            period=view.period,
            window_start=iso(view.window_start) or "",
            window_end=iso(view.window_end) or "",
            used=view.used,
            reserved=view.reserved,
            remaining=view.remaining,
            calls=view.calls,
            updated_at=iso(view.updated_at),
            updated_by=view.updated_by,
        )


class VendorOut(Model):
    vendor_key: str = Field(description="the vendor's key in the memory: vat:..., iban:... or name:...")
    vendor: str | None = Field(description="the vendor's name as people gave it")
    keys: list[str] = Field(description="every key the vendor's documents are recognised by")
    fields: list[str] = Field(description="the fields whose place on the page was learned")
    corrections: int
    updated_at: str | None
    updated_by: str | None

    @classmethod
    def of(cls, summary: VendorSummary) -> VendorOut:
        return cls(
            vendor_key=summary.vendor_key,
            vendor=summary.vendor,
            keys=summary.keys,
            fields=summary.fields,
            corrections=summary.corrections,
            updated_at=iso(summary.updated_at),
            updated_by=summary.updated_by,
        )


class VendorPage(Model):
    items: list[VendorOut]
    next_cursor: str | None
