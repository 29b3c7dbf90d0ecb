"""The document's language (en, de, fr, es, it, nl, pt), number and date conventions, inferred
from its text.

Votes: words of each language (lexicon phrases and common words), the countries of VAT ids and
IBANs, currencies, and how amounts are written (``12,50`` against ``12.50``). The decimal
separator follows the amounts when they agree, else the language. Numeric dates are read day
first except in US English (dollar amounts, a US state and ZIP, ``MM/DD`` dates that cannot
be day first).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from officeflow.documents.dates import numeric_order_votes
from officeflow.documents.lexicon import fold

WORDS = {
    "de": "rechnung summe gesamt mwst ust datum betrag netto brutto steuer bar kasse danke vielen "
    "und der die das fur mit bis zahlbar uhr stk menge preis einzelpreis bezeichnung kunde bestellung "
    "lieferung gmbh strasse str bankverbindung beleg quittung ruckgeld gegeben zwischensumme artikel",
    "fr": "facture total ttc ht tva date montant net payer merci le la les des pour avec par prix "
    "quantite designation client commande livraison sarl sas rue avenue especes rendu echeance "
    "reglement conditions sous-total article carte bancaire numero",
    "es": "factura total iva fecha importe precio cantidad cliente gracias por para con pedido base "
    "imponible vencimiento forma pago calle efectivo tarjeta ticket descripcion unidades",
    "it": "fattura totale iva data importo prezzo quantita cliente grazie per con ordine imponibile "
    "scadenza pagamento via scontrino contanti descrizione partita euro",
    "nl": "factuur totaal btw datum bedrag prijs aantal klant bedankt voor met bestelling vervaldatum "
    "betaling straat omschrijving te betalen kassabon contant",
    "pt": "fatura total iva data valor preco quantidade cliente obrigado para com encomenda vencimento "
    "pagamento rua descricao contribuinte recibo dinheiro",
    "en": "invoice total tax vat date amount due subtotal thank you the and for with by price qty "
    "quantity description customer order delivery ltd inc llc street road cash change receipt "
    "balance payment terms bill item card number",
}
_WORD_SETS = {lang: frozenset(words.split()) for lang, words in WORDS.items()}
US_STATES = (
    "AL AK AZ AR CA CO CT DE FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC ND OH OK "
    "OR PA RI SC SD TN TX UT VT VA WA WV WI WY DC"
)
_US_STATE_ZIP = re.compile(rf"\b(?:{'|'.join(US_STATES.split())}),?\s\d{{5}}(?:-\d{{4}})?\b")
_COMMA_DECIMAL = re.compile(r"(?<![\d.,])\d{1,3}(?:[. ]\d{3})*,\d{2}(?!\d)")
_DOT_DECIMAL = re.compile(r"(?<![\d.,])\d{1,3}(?:[, ]\d{3})*\.\d{2}(?!\d)")


@dataclass(frozen=True, kw_only=True)
class DocumentLocale:
    """How the document writes: language, decimal separator, numeric date order."""

    language: str
    decimal: str
    day_first: bool

    @property
    def tag(self) -> str:
        if self.language == "en":
            return "en-GB" if self.day_first else "en-US"
        return self.language


def infer_locale(texts: list[str]) -> DocumentLocale:
    """The locale voted for by the document's lines."""
    votes: Counter[str] = Counter()
    comma = dot = 0
    us = 0
    for text in texts:
        folded = fold(text)
        for token in re.findall(r"[a-z\-]+", folded):
            for lang, words in _WORD_SETS.items():
                if token in words:
                    votes[lang] += 1
        for m in re.finditer(r"\b(DE|AT|FR|GB|CH|BE|LU|US)\s?(?:U?\d)", text):
            votes[
                {"DE": "de", "AT": "de", "CH": "de", "FR": "fr", "BE": "fr", "LU": "fr", "GB": "en", "US": "en"}[
                    m.group(1)
                ]
            ] += 2
        comma += len(_COMMA_DECIMAL.findall(text))
        dot += len(_DOT_DECIMAL.findall(text))
        if "$" in text or re.search(r"\bUSD\b", text):
            us += 2
        if _US_STATE_ZIP.search(text):
            us += 1
        if "£" in text or re.search(r"\b(?:GBP|VAT|GST|ABN|RM|MYR|SGD|AUD|NZD|INR)\b", text):
            us -= 2  # the UK, and the countries of a GST, write the day first
    language = votes.most_common(1)[0][0] if votes else "en"
    if comma > dot:
        decimal = ","
    elif dot > comma:
        decimal = "."
    else:
        decimal = "." if language == "en" else ","
    order = numeric_order_votes(texts)
    day_first = order > 0 or (order == 0 and not (language == "en" and us > 0))
    return DocumentLocale(language=language, decimal=decimal, day_first=day_first)
