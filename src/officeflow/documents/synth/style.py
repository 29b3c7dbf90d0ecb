"""How a generated document writes: amounts and dates in its country's conventions, and the
label words it uses (several variants each, picked per document)."""

from __future__ import annotations

import random
from datetime import date

MONTH_NAMES = {
    "de": [
        "Januar",
        "Februar",
        "März",
        "April",
        "Mai",
        "Juni",
        "Juli",
        "August",
        "September",
        "Oktober",
        "November",
        "Dezember",
    ],
    "fr": [
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ],
    "en": [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ],
}
LABELS: dict[str, dict[str, list[str]]] = {
    "de": {
        "title": ["Rechnung", "RECHNUNG"],
        "number": ["Rechnungsnummer", "Rechnungs-Nr.", "Rechnung Nr.", "Re.-Nr."],
        "receipt_number": ["Beleg-Nr.", "Bon-Nr.", "Belegnummer", "Bon"],
        "date": ["Datum", "Rechnungsdatum", "Belegdatum"],
        "due": ["Zahlbar bis", "Fällig am", "Fälligkeit"],
        "po": ["Ihre Bestellung", "Bestellnummer", "Bestell-Nr."],
        "customer": ["Kundennummer", "Kunden-Nr."],
        "net": ["Nettobetrag", "Summe netto", "Zwischensumme", "Netto"],
        "tax": ["MwSt {r}%", "zzgl. {r}% MwSt.", "USt. {r} %", "Umsatzsteuer {r}%"],
        "total": ["Gesamtbetrag", "Rechnungsbetrag", "Endbetrag", "Zu zahlen", "Gesamt"],
        "receipt_total": ["SUMME", "Summe EUR", "Gesamt", "Total", "ZU ZAHLEN"],
        "paid": ["Bar", "EC-Karte", "Gegeben"],
        "change": ["Rückgeld", "Zurück"],
        "thanks": ["Vielen Dank für Ihren Einkauf!", "Danke und auf Wiedersehen"],
        "head": ["Pos.", "Bezeichnung", "Menge", "Einzelpreis", "Gesamt"],
        "bill_to": ["Rechnungsempfänger", "Rechnungsadresse"],
        "vat": ["USt-IdNr.", "USt-ID"],
        "terms": ["Zahlungsziel: {d} Tage netto", "Bitte überweisen Sie den Betrag innerhalb von {d} Tagen."],
        "tax_included": ["enth. MwSt {r}%", "darin MwSt {r}%", "MwSt {r}%"],
        "bank": ["Bankverbindung", "Bank"],
        "issued_alt": ["Ausstellungsdatum", "Ausgestellt am"],
        "number_alt": ["Belegnummer", "Rechnung"],
        "quirk_number": ["Vorgang", "Auftragsbeleg", "Ref"],
        "quirk_date": ["Stand", "Erstellt"],
    },
    "fr": {
        "title": ["Facture", "FACTURE"],
        "number": ["Facture n°", "N° de facture", "Numéro de facture"],
        "receipt_number": ["Ticket n°", "N° ticket", "Ticket"],
        "date": ["Date", "Date de facture", "Date facture"],
        "due": ["Échéance", "Date d'échéance", "À payer avant le"],
        "po": ["Votre commande", "Bon de commande", "N° de commande"],
        "customer": ["N° client", "Code client"],
        "net": ["Total HT", "Montant HT", "Sous-total HT"],
        "tax": ["TVA {r} %", "TVA ({r}%)", "Montant TVA {r}%"],
        "total": ["Total TTC", "Net à payer", "Montant TTC", "TOTAL TTC"],
        "receipt_total": ["TOTAL", "Total TTC", "TOTAL EUR", "À PAYER"],
        "paid": ["Espèces", "CB", "Carte bancaire"],
        "change": ["Rendu", "Monnaie rendue"],
        "thanks": ["Merci de votre visite", "À bientôt !"],
        "head": ["Réf.", "Désignation", "Qté", "P.U. HT", "Montant HT"],
        "bill_to": ["Facturé à", "Client"],
        "vat": ["N° TVA intracom.", "TVA intracommunautaire"],
        "terms": ["Paiement à {d} jours", "Règlement à {d} jours date de facture"],
        "tax_included": ["dont TVA {r}%", "TVA {r}%"],
        "bank": ["Coordonnées bancaires", "Banque"],
        "issued_alt": ["Date d'émission", "Émise le"],
        "number_alt": ["Facture numéro", "Facture"],
        "quirk_number": ["Dossier", "Réf. dossier", "Affaire"],
        "quirk_date": ["Édité le", "Établi le"],
    },
    "en": {
        "title": ["Invoice", "INVOICE", "Tax Invoice"],
        "number": ["Invoice No.", "Invoice #", "Invoice number"],
        "receipt_number": ["Receipt No.", "Receipt #", "Trans #", "Check #"],
        "date": ["Date", "Invoice date", "Date of issue"],
        "due": ["Due date", "Payment due", "Due by"],
        "po": ["PO number", "Purchase order", "Your order"],
        "customer": ["Customer No.", "Account No."],
        "net": ["Subtotal", "Net amount", "Total excl. VAT"],
        "tax": ["VAT {r}%", "Tax ({r}%)", "VAT @ {r}%"],
        "total": ["Total", "Amount due", "Total due", "Grand total", "Balance due"],
        "receipt_total": ["TOTAL", "Total", "Amount due", "BALANCE"],
        "paid": ["Cash", "Card", "Visa"],
        "change": ["Change", "Change due"],
        "thanks": ["Thank you!", "Thanks for shopping with us"],
        "head": ["Item", "Description", "Qty", "Unit price", "Amount"],
        "bill_to": ["Bill to", "Billed to", "Invoice to"],
        "vat": ["VAT No.", "VAT Reg. No."],
        "terms": ["Payment terms: {d} days", "Please pay within {d} days."],
        "tax_included": ["incl. VAT {r}%", "VAT {r}%"],
        "bank": ["Bank details", "Payment details"],
        "issued_alt": ["Issue date", "Issued"],
        "number_alt": ["Invoice ID", "Invoice"],
        "quirk_number": ["Job", "Docket", "File ref"],
        "quirk_date": ["Printed", "Raised"],
    },
}


def money(value: float, country: str, rng: random.Random | None = None, *, grouped: bool = True) -> str:
    """``value`` as the country writes it: 1.234,56 (DE), 1 234,56 (FR), 1'234.56 (CH), 1,234.56."""
    negative = value < 0
    whole, cents = f"{abs(value):.2f}".split(".")
    groups: list[str] = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    if country in ("DE", "AT", "BE"):
        text = ("." if grouped else "").join(groups) + "," + cents
    elif country == "FR":
        text = (
            ("\u202f" if grouped and rng and rng.random() < 0.3 else " " if grouped else "").join(groups) + "," + cents
        )
    elif country == "CH":
        text = ("'" if grouped else "").join(groups) + "." + cents
    else:
        text = ("," if grouped else "").join(groups) + "." + cents
    return f"-{text}" if negative else text


def with_currency(amount: str, currency: str, country: str, style: int) -> str:
    """The amount with its currency: none (0), a sign or code after (1) or before (2)."""
    sign = {"EUR": "€", "GBP": "£", "USD": "$", "CHF": "CHF"}[currency]
    if style == 0:
        return amount
    if style == 1 and country not in ("GB", "US", "IE"):
        return f"{amount} {sign}"
    return f"{sign}{amount}" if sign in "£$€" else f"{sign} {amount}"


def day(value: date, country: str, style: int) -> str:
    """A date as the country writes it: numeric (style 0), with the month's name (1), ISO (2)."""
    language = {"DE": "de", "AT": "de", "CH": "de", "FR": "fr", "BE": "fr"}.get(country, "en")
    if style == 2:
        return value.isoformat()
    if style == 1:
        month = MONTH_NAMES[language][value.month - 1]
        if language == "de":
            return f"{value.day}. {month} {value.year}"
        if language == "fr":
            return f"{'1er' if value.day == 1 else value.day} {month} {value.year}"
        return f"{month} {value.day}, {value.year}" if country == "US" else f"{value.day} {month} {value.year}"
    if language == "de":
        return value.strftime("%d.%m.%Y")
    if country == "US":
        return value.strftime("%m/%d/%Y")
    return value.strftime("%d/%m/%Y")


US_LABELS = {
    "tax": ["Sales tax {r}%", "Tax ({r}%)", "Sales Tax"],
    "tax_included": ["Sales tax {r}%", "Tax {r}%"],
    "vat": ["EIN"],
}


def label(language: str, key: str, rng: random.Random, country: str = "", **values: object) -> str:
    choices = US_LABELS[key] if country == "US" and key in US_LABELS else LABELS[language][key]
    return rng.choice(choices).format(**values)


def rate_text(rate: float, country: str) -> str:
    text = f"{rate:g}"
    return text.replace(".", ",") if country not in ("GB", "US", "IE", "CH") else text
