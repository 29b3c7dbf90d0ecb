"""E-invoices are read as EN 16931 names their terms: the seller's legal name before its trading
name, the VAT id of the VAT scheme, the invoice total with VAT (not the amount due after a
prepayment), the VAT in the invoice's currency (not in the tax currency), and ZUGFeRD 1.0's
older element names."""

from __future__ import annotations

from datetime import date

from officeflow.documents.confidence import Calibration
from officeflow.documents.einvoice import read_einvoice
from officeflow.documents.limits import Limits
from officeflow.documents.model import Extraction

UBL = """<?xml version="1.0" encoding="UTF-8"?>
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
 xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
 xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
 <cbc:ID>INV-7</cbc:ID><cbc:IssueDate>2017-11-13+01:00</cbc:IssueDate>
 <cbc:DocumentCurrencyCode>EUR</cbc:DocumentCurrencyCode><cbc:TaxCurrencyCode>SEK</cbc:TaxCurrencyCode>
 <cac:AccountingSupplierParty><cac:Party>
  <cac:PartyName><cbc:Name>Trading Name Ltd.</cbc:Name></cac:PartyName>
  <cac:PartyTaxScheme><cbc:CompanyID>123/456/789</cbc:CompanyID><cac:TaxScheme><cbc:ID>FC</cbc:ID></cac:TaxScheme></cac:PartyTaxScheme>
  <cac:PartyTaxScheme><cbc:CompanyID>DE 123456789</cbc:CompanyID><cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:PartyTaxScheme>
  <cac:PartyLegalEntity><cbc:RegistrationName>Official Name Ltd</cbc:RegistrationName></cac:PartyLegalEntity>
 </cac:Party></cac:AccountingSupplierParty>
 <cac:TaxTotal><cbc:TaxAmount currencyID="SEK">9324.00</cbc:TaxAmount></cac:TaxTotal>
 <cac:TaxTotal><cbc:TaxAmount currencyID="EUR">1225.00</cbc:TaxAmount></cac:TaxTotal>
 <cac:LegalMonetaryTotal>
  <cbc:TaxExclusiveAmount currencyID="EUR">5900</cbc:TaxExclusiveAmount>
  <cbc:TaxInclusiveAmount currencyID="EUR">7125</cbc:TaxInclusiveAmount>
  <cbc:PrepaidAmount currencyID="EUR">1000</cbc:PrepaidAmount>
  <cbc:PayableAmount currencyID="EUR">6125.00</cbc:PayableAmount>
 </cac:LegalMonetaryTotal>
</Invoice>"""

ZUGFERD_1 = """<?xml version="1.0" encoding="UTF-8"?>
<rsm:CrossIndustryDocument xmlns:rsm="urn:ferd:CrossIndustryDocument:invoice:1p0"
 xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:12"
 xmlns:udt="urn:un:unece:uncefact:data:standard:UnqualifiedDataType:15">
 <rsm:HeaderExchangedDocument><ram:ID>471102</ram:ID>
  <ram:IssueDateTime><udt:DateTimeString format="102">20130305</udt:DateTimeString></ram:IssueDateTime>
 </rsm:HeaderExchangedDocument>
 <rsm:SpecifiedSupplyChainTradeTransaction>
  <ram:ApplicableSupplyChainTradeAgreement>
   <ram:SellerTradeParty><ram:Name>Lieferant GmbH</ram:Name>
    <ram:SpecifiedTaxRegistration><ram:ID schemeID="VA">DE123456789</ram:ID></ram:SpecifiedTaxRegistration>
   </ram:SellerTradeParty>
   <ram:BuyerOrderReferencedDocument><ram:ID>PO-7</ram:ID></ram:BuyerOrderReferencedDocument>
  </ram:ApplicableSupplyChainTradeAgreement>
  <ram:ApplicableSupplyChainTradeSettlement><ram:InvoiceCurrencyCode>EUR</ram:InvoiceCurrencyCode>
   <ram:SpecifiedTradeSettlementMonetarySummation>
    <ram:TaxBasisTotalAmount currencyID="EUR">198.00</ram:TaxBasisTotalAmount>
    <ram:TaxTotalAmount currencyID="EUR">37.62</ram:TaxTotalAmount>
    <ram:GrandTotalAmount currencyID="EUR">235.62</ram:GrandTotalAmount>
   </ram:SpecifiedTradeSettlementMonetarySummation>
  </ram:ApplicableSupplyChainTradeSettlement>
  <ram:IncludedSupplyChainTradeLineItem>
   <ram:SpecifiedSupplyChainTradeDelivery><ram:BilledQuantity unitCode="C62">20</ram:BilledQuantity></ram:SpecifiedSupplyChainTradeDelivery>
   <ram:SpecifiedSupplyChainTradeSettlement><ram:SpecifiedTradeSettlementMonetarySummation>
    <ram:LineTotalAmount currencyID="EUR">198.00</ram:LineTotalAmount>
   </ram:SpecifiedTradeSettlementMonetarySummation></ram:SpecifiedSupplyChainTradeSettlement>
   <ram:SpecifiedTradeProduct><ram:Name>Trennblätter A4</ram:Name></ram:SpecifiedTradeProduct>
  </ram:IncludedSupplyChainTradeLineItem>
 </rsm:SpecifiedSupplyChainTradeTransaction>
</rsm:CrossIndustryDocument>"""


def read(xml: str) -> Extraction:
    return read_einvoice(xml.encode(), limits=Limits(), calibration=Calibration({}), today=date(2026, 12, 31))


def test_ubl_reads_the_legal_name_the_vat_id_the_invoice_total_and_the_tax_in_the_invoice_currency() -> None:
    read_ = read(UBL)
    assert read_.value("vendor") == "Official Name Ltd"
    assert read_.value("vendor_tax_id") == "DE123456789"
    assert read_.value("total") == 7125.0  # BT-112, not the 6125.00 due after the prepayment
    assert read_.value("net") == 5900.0
    assert read_.value("tax") == 1225.0  # in EUR, though the SEK amount comes first
    assert read_.value("date") == "2017-11-13"


def test_zugferd_1_is_read_by_its_older_element_names() -> None:
    read_ = read(ZUGFERD_1)
    values = {name: read_.value(name) for name in ("vendor", "invoice_number", "date", "po_number", "total", "tax")}
    assert values == {
        "vendor": "Lieferant GmbH",
        "invoice_number": "471102",
        "date": "2013-03-05",
        "po_number": "PO-7",
        "total": 235.62,
        "tax": 37.62,
    }
    assert [(i.description, i.quantity, i.amount) for i in read_.line_items] == [("Trennblätter A4", 20.0, 198.0)]
