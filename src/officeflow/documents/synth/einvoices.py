# ruff: noqa: E501  (XML templates read best one element per line)
"""Generated e-invoices: UBL 2.1 (Peppol BIS Billing 3.0 shape), UN/CEFACT CII (XRechnung / EN 16931
shape) and Factur-X PDFs (a born-digital invoice with the CII XML attached, by ``factur-x``)."""

from __future__ import annotations

from xml.sax.saxutils import escape

from officeflow.documents.synth.content import Content


def _a(value: float) -> str:
    return f"{value:.2f}"


def ubl(c: Content) -> bytes:
    assert c.buyer is not None
    lines = "".join(
        f"""
  <cac:InvoiceLine>
    <cbc:ID>{n}</cbc:ID>
    <cbc:InvoicedQuantity unitCode="C62">{i.quantity:g}</cbc:InvoicedQuantity>
    <cbc:LineExtensionAmount currencyID="{c.currency}">{_a(i.amount)}</cbc:LineExtensionAmount>
    <cac:Item><cbc:Name>{escape(i.description)}</cbc:Name>
      <cac:ClassifiedTaxCategory><cbc:ID>S</cbc:ID><cbc:Percent>{i.rate:g}</cbc:Percent><cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:ClassifiedTaxCategory>
    </cac:Item>
    <cac:Price><cbc:PriceAmount currencyID="{c.currency}">{_a(i.unit_price)}</cbc:PriceAmount></cac:Price>
  </cac:InvoiceLine>"""
        for n, i in enumerate(c.items, start=1)
    )
    subtotals = "".join(
        f"""
    <cac:TaxSubtotal>
      <cbc:TaxableAmount currencyID="{c.currency}">{_a(net)}</cbc:TaxableAmount>
      <cbc:TaxAmount currencyID="{c.currency}">{_a(tax)}</cbc:TaxAmount>
      <cac:TaxCategory><cbc:ID>S</cbc:ID><cbc:Percent>{rate:g}</cbc:Percent><cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:TaxCategory>
    </cac:TaxSubtotal>"""
        for rate, (net, tax) in sorted(c.taxes.items())
    )
    due = f"\n  <cbc:DueDate>{c.due.isoformat()}</cbc:DueDate>" if c.due else ""
    order = f"\n  <cac:OrderReference><cbc:ID>{c.po_number}</cbc:ID></cac:OrderReference>" if c.po_number else ""
    vat = (
        f"<cac:PartyTaxScheme><cbc:CompanyID>{c.vendor.vat_id}</cbc:CompanyID><cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:PartyTaxScheme>"
        if c.vendor.vat_id
        else ""
    )
    iban = (
        f"""
  <cac:PaymentMeans><cbc:PaymentMeansCode>58</cbc:PaymentMeansCode><cac:PayeeFinancialAccount><cbc:ID>{c.vendor.iban}</cbc:ID></cac:PayeeFinancialAccount></cac:PaymentMeans>"""
        if c.vendor.iban
        else ""
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
         xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
         xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
  <cbc:CustomizationID>urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0</cbc:CustomizationID>
  <cbc:ProfileID>urn:fdc:peppol.eu:2017:poacc:billing:01:1.0</cbc:ProfileID>
  <cbc:ID>{escape(c.number)}</cbc:ID>
  <cbc:IssueDate>{c.issued.isoformat()}</cbc:IssueDate>{due}
  <cbc:InvoiceTypeCode>380</cbc:InvoiceTypeCode>
  <cbc:DocumentCurrencyCode>{c.currency}</cbc:DocumentCurrencyCode>
  <cbc:BuyerReference>{c.po_number or "n/a"}</cbc:BuyerReference>{order}
  <cac:AccountingSupplierParty><cac:Party>
    <cac:PartyName><cbc:Name>{escape(c.vendor.name)}</cbc:Name></cac:PartyName>
    <cac:PostalAddress><cbc:StreetName>{escape(c.vendor.street)}</cbc:StreetName><cbc:CityName>{escape(c.vendor.city)}</cbc:CityName><cac:Country><cbc:IdentificationCode>{c.country}</cbc:IdentificationCode></cac:Country></cac:PostalAddress>
    {vat}
    <cac:PartyLegalEntity><cbc:RegistrationName>{escape(c.vendor.name)}</cbc:RegistrationName></cac:PartyLegalEntity>
  </cac:Party></cac:AccountingSupplierParty>
  <cac:AccountingCustomerParty><cac:Party>
    <cac:PostalAddress><cbc:StreetName>{escape(c.buyer.street)}</cbc:StreetName><cbc:CityName>{escape(c.buyer.city)}</cbc:CityName><cac:Country><cbc:IdentificationCode>{c.country}</cbc:IdentificationCode></cac:Country></cac:PostalAddress>
    <cac:PartyLegalEntity><cbc:RegistrationName>{escape(c.buyer.name)}</cbc:RegistrationName></cac:PartyLegalEntity>
  </cac:Party></cac:AccountingCustomerParty>{iban}
  <cac:TaxTotal>
    <cbc:TaxAmount currencyID="{c.currency}">{_a(c.tax)}</cbc:TaxAmount>{subtotals}
  </cac:TaxTotal>
  <cac:LegalMonetaryTotal>
    <cbc:LineExtensionAmount currencyID="{c.currency}">{_a(c.net)}</cbc:LineExtensionAmount>
    <cbc:TaxExclusiveAmount currencyID="{c.currency}">{_a(c.net)}</cbc:TaxExclusiveAmount>
    <cbc:TaxInclusiveAmount currencyID="{c.currency}">{_a(c.total)}</cbc:TaxInclusiveAmount>
    <cbc:PayableAmount currencyID="{c.currency}">{_a(c.total)}</cbc:PayableAmount>
  </cac:LegalMonetaryTotal>{lines}
</Invoice>
""".encode()


def cii(c: Content, *, guideline: str = "urn:cen.eu:en16931:2017") -> bytes:
    assert c.buyer is not None
    lines = "".join(
        f"""
    <ram:IncludedSupplyChainTradeLineItem>
      <ram:AssociatedDocumentLineDocument><ram:LineID>{n}</ram:LineID></ram:AssociatedDocumentLineDocument>
      <ram:SpecifiedTradeProduct><ram:Name>{escape(i.description)}</ram:Name></ram:SpecifiedTradeProduct>
      <ram:SpecifiedLineTradeAgreement><ram:NetPriceProductTradePrice><ram:ChargeAmount>{_a(i.unit_price)}</ram:ChargeAmount></ram:NetPriceProductTradePrice></ram:SpecifiedLineTradeAgreement>
      <ram:SpecifiedLineTradeDelivery><ram:BilledQuantity unitCode="C62">{i.quantity:g}</ram:BilledQuantity></ram:SpecifiedLineTradeDelivery>
      <ram:SpecifiedLineTradeSettlement>
        <ram:ApplicableTradeTax><ram:TypeCode>VAT</ram:TypeCode><ram:CategoryCode>S</ram:CategoryCode><ram:RateApplicablePercent>{i.rate:g}</ram:RateApplicablePercent></ram:ApplicableTradeTax>
        <ram:SpecifiedTradeSettlementLineMonetarySummation><ram:LineTotalAmount>{_a(i.amount)}</ram:LineTotalAmount></ram:SpecifiedTradeSettlementLineMonetarySummation>
      </ram:SpecifiedLineTradeSettlement>
    </ram:IncludedSupplyChainTradeLineItem>"""
        for n, i in enumerate(c.items, start=1)
    )
    taxes = "".join(
        f"""
      <ram:ApplicableTradeTax><ram:CalculatedAmount>{_a(tax)}</ram:CalculatedAmount><ram:TypeCode>VAT</ram:TypeCode><ram:BasisAmount>{_a(net)}</ram:BasisAmount><ram:CategoryCode>S</ram:CategoryCode><ram:RateApplicablePercent>{rate:g}</ram:RateApplicablePercent></ram:ApplicableTradeTax>"""
        for rate, (net, tax) in sorted(c.taxes.items())
    )
    order = (
        f"\n      <ram:BuyerOrderReferencedDocument><ram:IssuerAssignedID>{c.po_number}</ram:IssuerAssignedID></ram:BuyerOrderReferencedDocument>"
        if c.po_number
        else ""
    )
    vat = (
        f'\n        <ram:SpecifiedTaxRegistration><ram:ID schemeID="VA">{c.vendor.vat_id}</ram:ID></ram:SpecifiedTaxRegistration>'
        if c.vendor.vat_id
        else ""
    )
    iban = (
        f"\n      <ram:SpecifiedTradeSettlementPaymentMeans><ram:TypeCode>58</ram:TypeCode><ram:PayeePartyCreditorFinancialAccount><ram:IBANID>{c.vendor.iban}</ram:IBANID></ram:PayeePartyCreditorFinancialAccount></ram:SpecifiedTradeSettlementPaymentMeans>"
        if c.vendor.iban
        else ""
    )
    due = (
        f'\n      <ram:SpecifiedTradePaymentTerms><ram:DueDateDateTime><udt:DateTimeString format="102">{c.due.strftime("%Y%m%d")}</udt:DateTimeString></ram:DueDateDateTime></ram:SpecifiedTradePaymentTerms>'
        if c.due
        else ""
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rsm:CrossIndustryInvoice xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
    xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
    xmlns:qdt="urn:un:unece:uncefact:data:standard:QualifiedDataType:100"
    xmlns:udt="urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100">
  <rsm:ExchangedDocumentContext>
    <ram:GuidelineSpecifiedDocumentContextParameter><ram:ID>{guideline}</ram:ID></ram:GuidelineSpecifiedDocumentContextParameter>
  </rsm:ExchangedDocumentContext>
  <rsm:ExchangedDocument>
    <ram:ID>{escape(c.number)}</ram:ID>
    <ram:TypeCode>380</ram:TypeCode>
    <ram:IssueDateTime><udt:DateTimeString format="102">{c.issued.strftime("%Y%m%d")}</udt:DateTimeString></ram:IssueDateTime>
  </rsm:ExchangedDocument>
  <rsm:SupplyChainTradeTransaction>{lines}
    <ram:ApplicableHeaderTradeAgreement>
      <ram:SellerTradeParty>
        <ram:Name>{escape(c.vendor.name)}</ram:Name>
        <ram:PostalTradeAddress><ram:LineOne>{escape(c.vendor.street)}</ram:LineOne><ram:CityName>{escape(c.vendor.city)}</ram:CityName><ram:CountryID>{c.country}</ram:CountryID></ram:PostalTradeAddress>{vat}
      </ram:SellerTradeParty>
      <ram:BuyerTradeParty>
        <ram:Name>{escape(c.buyer.name)}</ram:Name>
        <ram:PostalTradeAddress><ram:LineOne>{escape(c.buyer.street)}</ram:LineOne><ram:CityName>{escape(c.buyer.city)}</ram:CityName><ram:CountryID>{c.country}</ram:CountryID></ram:PostalTradeAddress>
      </ram:BuyerTradeParty>{order}
    </ram:ApplicableHeaderTradeAgreement>
    <ram:ApplicableHeaderTradeDelivery/>
    <ram:ApplicableHeaderTradeSettlement>
      <ram:InvoiceCurrencyCode>{c.currency}</ram:InvoiceCurrencyCode>{iban}{taxes}{due}
      <ram:SpecifiedTradeSettlementHeaderMonetarySummation>
        <ram:LineTotalAmount>{_a(c.net)}</ram:LineTotalAmount>
        <ram:TaxBasisTotalAmount>{_a(c.net)}</ram:TaxBasisTotalAmount>
        <ram:TaxTotalAmount currencyID="{c.currency}">{_a(c.tax)}</ram:TaxTotalAmount>
        <ram:GrandTotalAmount>{_a(c.total)}</ram:GrandTotalAmount>
        <ram:DuePayableAmount>{_a(c.total)}</ram:DuePayableAmount>
      </ram:SpecifiedTradeSettlementHeaderMonetarySummation>
    </ram:ApplicableHeaderTradeSettlement>
  </rsm:SupplyChainTradeTransaction>
</rsm:CrossIndustryInvoice>
""".encode()


def facturx_pdf(pdf: bytes, c: Content) -> bytes:
    """A Factur-X (EN 16931 profile) PDF: the visible invoice with its CII XML attached."""
    import logging

    import facturx  # type: ignore[import-untyped]

    logging.getLogger("factur-x").setLevel(logging.ERROR)
    xml = cii(c, guideline="urn:cen.eu:en16931:2017")
    out: bytes = facturx.generate_from_binary(pdf, xml, flavor="factur-x", level="en16931", check_xsd=False)
    return out
