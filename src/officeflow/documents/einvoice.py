"""Structured e-invoices read exactly: UBL 2.1 (Peppol BIS Billing 3.0, XRechnung UBL), UN/CEFACT
CII (XRechnung CII, Factur-X / ZUGFeRD 2, whose PDF carries the CII XML as an attachment, and
ZUGFeRD 1.0). Amounts are those the standard names (EN 16931): ``total`` is the invoice total
with VAT (BT-112, not the amount due after prepayments, BT-115), ``tax`` the VAT in the invoice's
currency (BT-110, not BT-111), ``vendor`` the seller's legal name (BT-27) before its trading name.

XML is untrusted: it is first parsed by defusedxml, which refuses any DTD, entity declaration
or external reference (a billion-laughs or XXE file is refused, not expanded), then by lxml
without network, DTD loading or entity resolution, for XPath. Elements are found by local name,
so any namespace prefix works. Values are taken as written; nothing is guessed.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from officeflow.documents.confidence import Calibration
from officeflow.documents.errors import DocumentRefused, DocumentUnreadable
from officeflow.documents.fields import finish, vendor_key
from officeflow.documents.limits import Limits
from officeflow.documents.model import Evidence, Extraction, Field, LineItem, Page


def parse_xml(data: bytes, limits: Limits) -> Any:
    """The XML's root element (lxml), refusing DTDs, entities and oversize documents."""
    import defusedxml.ElementTree as safe  # type: ignore[import-untyped]
    from defusedxml import DefusedXmlException
    from lxml import etree

    if len(data) > limits.max_xml_bytes:
        raise DocumentRefused(f"the XML has {len(data):,} bytes, more than the {limits.max_xml_bytes:,} allowed")
    try:
        safe.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise DocumentRefused(f"the XML declares a DTD or entities ({type(exc).__name__})") from None
    except safe.ParseError as exc:
        raise DocumentUnreadable(f"not well-formed XML ({exc})") from None
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, remove_comments=True
    )
    try:
        return etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise DocumentUnreadable(f"not well-formed XML ({exc})") from None


def _path(*names: str) -> str:
    """An XPath by local names; ``A|B`` in a step matches either name (CII D16B vs ZUGFeRD 1.0)."""
    return "/".join("*[" + " or ".join(f"local-name()='{n}'" for n in name.split("|")) + "]" for name in names)


def _first(node: Any, *paths: str) -> str | None:
    for path in paths:
        found = node.xpath(path)
        for item in found:
            text = item if isinstance(item, str) else item.text
            if text and text.strip():
                return str(text).strip()
    return None


def _amount(text: str | None) -> float | None:
    if text is None:
        return None
    try:
        return round(float(text), 2)
    except ValueError:
        raise DocumentUnreadable(f"the e-invoice has an amount that is not a number: {text!r}") from None


def _day(text: str | None) -> str | None:
    if text is None:
        return None
    digits = re.sub(r"\D", "", text)
    try:
        if len(digits) == 8:
            return date(int(digits[:4]), int(digits[4:6]), int(digits[6:])).isoformat()
        return date.fromisoformat(text[:10]).isoformat()
    except ValueError:
        raise DocumentUnreadable(f"the e-invoice has a date that is not a date: {text!r}") from None


def _field(value: str | float | None, rule: str) -> Field | None:
    if value is None or value == "":
        return None
    return Field(
        value=value,
        confidence=0.0,
        page=None,
        box=None,
        evidence=Evidence(rule=rule, ocr=1.0, margin=1.0),
        text=str(value),
    )


def syntax(root: Any) -> str:
    """``ubl`` or ``cii`` by the root element; unreadable otherwise."""
    name = root.xpath("local-name()")
    if name in ("Invoice", "CreditNote"):
        return "ubl"
    if name in ("CrossIndustryInvoice", "CrossIndustryDocument"):  # CII D16B/D22B; ZUGFeRD 1.0
        return "cii"
    raise DocumentUnreadable(
        f"an XML document of type {name!r} is not an e-invoice (expected a UBL Invoice or a CII CrossIndustryInvoice)"
    )


def _ubl(root: Any) -> tuple[dict[str, Any], list[LineItem]]:
    """UBL 2.1 Invoice or CreditNote: the seller's legal name (BT-27) else trading name, VAT id
    (BT-31), invoice total with VAT (BT-112), tax in the document's currency (BT-110, not BT-111)."""
    supplier = _path("AccountingSupplierParty", "Party")
    totals = _path("LegalMonetaryTotal")
    currency = f"/*/{_path('DocumentCurrencyCode')}"
    values = {
        "invoice_number": _first(root, _path("ID")),
        "date": _day(_first(root, _path("IssueDate"))),
        "due_date": _day(_first(root, _path("DueDate"), f"{_path('PaymentMeans', 'PaymentDueDate')}")),
        "currency": _first(root, _path("DocumentCurrencyCode")),
        "po_number": _first(root, _path("OrderReference", "ID")),
        "vendor": _first(
            root,
            f"{supplier}/{_path('PartyLegalEntity', 'RegistrationName')}",
            f"{supplier}/{_path('PartyName', 'Name')}",
        ),
        "vendor_tax_id": _first(
            root,
            f"{supplier}/{_path('PartyTaxScheme')}[{_path('TaxScheme', 'ID')}='VAT']/{_path('CompanyID')}",
            f"{supplier}/{_path('PartyTaxScheme', 'CompanyID')}",
        ),
        "net": _amount(_first(root, f"{totals}/{_path('TaxExclusiveAmount')}")),
        "total": _amount(_first(root, f"{totals}/{_path('TaxInclusiveAmount')}", f"{totals}/{_path('PayableAmount')}")),
        "tax": _amount(
            _first(root, f"{_path('TaxTotal', 'TaxAmount')}[@currencyID={currency}]", _path("TaxTotal", "TaxAmount"))
        ),
        "iban": _first(root, _path("PaymentMeans", "PayeeFinancialAccount", "ID")),
    }
    items = []
    for line in root.xpath(f"{_path('InvoiceLine')} | {_path('CreditNoteLine')}"):
        quantity = _first(line, _path("InvoicedQuantity"), _path("CreditedQuantity"))
        items.append(
            LineItem(
                description=_first(line, _path("Item", "Name"), _path("Item", "Description")) or "",
                quantity=_amount(quantity),
                unit_price=_amount(_first(line, _path("Price", "PriceAmount"))),
                amount=_amount(_first(line, _path("LineExtensionAmount"))),
                page=0,
                box=(0.0, 0.0, 0.0, 0.0),
            )
        )
    return values, items


def _cii(root: Any) -> tuple[dict[str, Any], list[LineItem]]:
    """UN/CEFACT CII (D16B and later: XRechnung, Factur-X, ZUGFeRD 2) and ZUGFeRD 1.0, whose
    elements have older names (``HeaderExchangedDocument``, ``ApplicableSupplyChainTradeSettlement``)."""
    transaction = _path("SupplyChainTradeTransaction|SpecifiedSupplyChainTradeTransaction")
    agreement = f"{transaction}/{_path('ApplicableHeaderTradeAgreement|ApplicableSupplyChainTradeAgreement')}"
    settlement = f"{transaction}/{_path('ApplicableHeaderTradeSettlement|ApplicableSupplyChainTradeSettlement')}"
    summation = "SpecifiedTradeSettlementHeaderMonetarySummation|SpecifiedTradeSettlementMonetarySummation"
    sums = f"{settlement}/{_path(summation)}"
    seller = f"{agreement}/{_path('SellerTradeParty')}"
    document = _path("ExchangedDocument|HeaderExchangedDocument")
    values = {
        "invoice_number": _first(root, f"{document}/{_path('ID')}"),
        "date": _day(_first(root, f"{document}/{_path('IssueDateTime', 'DateTimeString')}")),
        "due_date": _day(
            _first(root, f"{settlement}/{_path('SpecifiedTradePaymentTerms', 'DueDateDateTime', 'DateTimeString')}")
        ),
        "currency": _first(root, f"{settlement}/{_path('InvoiceCurrencyCode')}"),
        "po_number": _first(root, f"{agreement}/{_path('BuyerOrderReferencedDocument', 'IssuerAssignedID|ID')}"),
        "vendor": _first(root, f"{seller}/{_path('Name')}"),
        "vendor_tax_id": _first(
            root,
            f"{seller}/{_path('SpecifiedTaxRegistration', 'ID')}[@schemeID='VA']",
            f"{seller}/{_path('SpecifiedTaxRegistration', 'ID')}",
        ),
        "net": _amount(_first(root, f"{sums}/{_path('TaxBasisTotalAmount')}")),
        "total": _amount(_first(root, f"{sums}/{_path('GrandTotalAmount')}", f"{sums}/{_path('DuePayableAmount')}")),
        "tax": _amount(
            _first(
                root,
                f"{sums}/{_path('TaxTotalAmount')}[@currencyID=/*/{settlement}/{_path('InvoiceCurrencyCode')}]",
                f"{sums}/{_path('TaxTotalAmount')}",
            )
        ),
        "iban": _first(
            root,
            f"{settlement}/"
            + _path("SpecifiedTradeSettlementPaymentMeans", "PayeePartyCreditorFinancialAccount", "IBANID"),
        ),
    }
    items = []
    for line in root.xpath(f"{transaction}/{_path('IncludedSupplyChainTradeLineItem')}"):
        items.append(
            LineItem(
                description=_first(line, _path("SpecifiedTradeProduct", "Name")) or "",
                quantity=_amount(
                    _first(
                        line, _path("SpecifiedLineTradeDelivery|SpecifiedSupplyChainTradeDelivery", "BilledQuantity")
                    )
                ),
                unit_price=_amount(
                    _first(
                        line,
                        _path(
                            "SpecifiedLineTradeAgreement|SpecifiedSupplyChainTradeAgreement",
                            "NetPriceProductTradePrice",
                            "ChargeAmount",
                        ),
                    )
                ),
                amount=_amount(
                    _first(
                        line,
                        _path(
                            "SpecifiedLineTradeSettlement|SpecifiedSupplyChainTradeSettlement",
                            "SpecifiedTradeSettlementLineMonetarySummation|SpecifiedTradeSettlementMonetarySummation",
                            "LineTotalAmount",
                        ),
                    )
                ),
                page=0,
                box=(0.0, 0.0, 0.0, 0.0),
            )
        )
    return values, items


def locate(fields: dict[str, Field | None], pages: list[Page]) -> dict[str, Field | None]:
    """The fields with the page and box where the PDF shows each value, when it shows it."""
    from dataclasses import replace

    from officeflow.documents.layout import build_lines
    from officeflow.documents.memory import matches

    lines = build_lines([w for p in pages for w in p.words])
    out = dict(fields)
    for name, found in fields.items():
        if found is None:
            continue
        for line in lines:
            spans = matches(name, found.value, line)
            if spans:
                start, end = spans[0]
                out[name] = replace(found, page=line.page, box=line.page_box_of(start, end))
                break
    return out


def read_einvoice(
    xml: bytes, *, limits: Limits, calibration: Calibration, today: date, pages: list[Page] | None = None
) -> Extraction:
    """The extraction of a UBL or CII invoice (``pages``: the Factur-X PDF's pages, if any)."""
    root = parse_xml(xml, limits)
    kind = syntax(root)
    values, items = _ubl(root) if kind == "ubl" else _cii(root)
    if values["total"] is None and values["invoice_number"] is None:
        raise DocumentUnreadable(f"the {kind.upper()} invoice has neither an ID nor a total")
    for name in ("iban", "vendor_tax_id"):
        if values[name]:
            values[name] = re.sub(r"\s", "", str(values[name])).upper()
    fields = {name: _field(value, f"einvoice:{kind}") for name, value in values.items()}
    if pages:
        fields = locate(fields, pages)
    return finish(
        kind="invoice",
        source="einvoice",
        locale="",
        pages=pages or [],
        fields=fields,
        items=items,
        item_rule=f"einvoice:{kind}",
        today=today,
        calibration=calibration,
        key=vendor_key(fields),
    )
