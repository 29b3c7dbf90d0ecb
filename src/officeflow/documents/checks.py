"""Consistency checks over the extracted fields: each passes or fails and names its fields.

net + tax = total; the line items add up to the net amount or the total; the invoice date is
plausible (not before 2000, not more than a week ahead) and the due date follows it within a
year; the IBAN's check digits; the VAT id's format and, where known, check digits. What a check
does to its fields' confidence is learned with the rest of the confidence (``confidence``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from officeflow.documents.identifiers import iban_valid, vat_checksum_valid, vat_format_valid
from officeflow.documents.model import Field, LineItem

CENT = 0.011


@dataclass(frozen=True, kw_only=True)
class Outcome:
    """A check's result before its effect on confidence is known."""

    name: str
    passed: bool
    fields: tuple[str, ...]
    reason: str


def _num(field: Field | None) -> float | None:
    return None if field is None else float(field.value)


def run_checks(fields: dict[str, Field | None], items: list[LineItem], today: date) -> list[Outcome]:
    out: list[Outcome] = []
    total, net, tax = _num(fields.get("total")), _num(fields.get("net")), _num(fields.get("tax"))
    if total is not None and net is not None and tax is not None:
        ok = abs(net + tax - total) < CENT
        out.append(
            Outcome(
                name="net_plus_tax",
                passed=ok,
                fields=("total", "net", "tax"),
                reason=f"net {net:.2f} + tax {tax:.2f} = {net + tax:.2f}, total {total:.2f}",
            )
        )
    elif total is not None and net is not None and tax is None and abs(net - total) >= CENT:
        out.append(
            Outcome(
                name="net_below_total",
                passed=net < total,
                fields=("total", "net"),
                reason=f"net {net:.2f} {'<' if net < total else '>='} total {total:.2f}",
            )
        )
    amounts = [i.amount for i in items if i.amount is not None]
    if amounts and (total is not None or net is not None):
        summed = round(sum(amounts), 2)
        matched = next(
            (name for name, v in (("total", total), ("net", net)) if v is not None and abs(summed - v) < CENT), None
        )
        target = "net" if net is not None and matched != "total" else "total"
        out.append(
            Outcome(
                name="line_items_sum",
                passed=matched is not None,
                fields=("line_items", matched or target),
                reason=f"{len(amounts)} line items sum to {summed:.2f}"
                + (f" = {matched}" if matched else f", {target} is {(total if target == 'total' else net) or 0.0:.2f}"),
            )
        )
    issued = fields.get("date")
    if issued is not None:
        day = date.fromisoformat(str(issued.value))
        ok = date(2000, 1, 1) <= day <= today + timedelta(days=7)
        out.append(
            Outcome(
                name="date_plausible",
                passed=ok,
                fields=("date",),
                reason=f"{day.isoformat()} {'is' if ok else 'is not'} between 2000-01-01 "
                f"and a week after {today.isoformat()}",
            )
        )
    due = fields.get("due_date")
    if due is not None and issued is not None:
        d0, d1 = date.fromisoformat(str(issued.value)), date.fromisoformat(str(due.value))
        ok = d0 <= d1 <= d0 + timedelta(days=366)
        out.append(
            Outcome(
                name="due_after_date",
                passed=ok,
                fields=("due_date", "date"),
                reason=f"due {d1.isoformat()} {'is' if ok else 'is not'} within a year after {d0.isoformat()}",
            )
        )
    iban = fields.get("iban")
    if iban is not None:
        ok = iban_valid(str(iban.value))
        out.append(
            Outcome(
                name="iban_checksum",
                passed=ok,
                fields=("iban",),
                reason=f"IBAN check digits {'valid' if ok else 'invalid'}",
            )
        )
    vat = fields.get("vendor_tax_id")
    if vat is not None and vat.evidence.rule != "tax-number":
        fmt = vat_format_valid(str(vat.value))
        checksum = vat_checksum_valid(str(vat.value))
        ok = fmt and checksum is not False
        detail = "format valid" if fmt else "format invalid"
        if checksum is not None:
            detail += ", check digits " + ("valid" if checksum else "invalid")
        out.append(Outcome(name="vat_id_format", passed=ok, fields=("vendor_tax_id",), reason=f"VAT id {detail}"))
    return out
