"""The words documents label their values with, in English, German, French, Spanish, Italian,
Dutch and Portuguese (and the English of receipts from Asia: "GST", "Total incl. GST", "Rounding").

Each phrase gives a role and a strength (3 names the field unambiguously, 2 usually, 1 only
hints). Roles that are not output fields (``paid``, ``change``, ``other_date``, ...) exist so
that an amount or a date labelled by them is *not* taken for the total or the invoice date.
Phrases are written folded (lower case, no accents); text is folded the same way before
matching, and the longest phrase at a place wins, so "total ht" is net, not total.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache

_TABLE = {
    "total": """
        total ttc=3, montant ttc=3, net a payer=3, total a payer=3, reste a payer=3, montant du=3, total du=3,
        amount due=3, total due=3, balance due=3, grand total=3, total amount=3, invoice total=3, total to
        pay=3, amount payable=3, total payable=3, gesamtbetrag=3, rechnungsbetrag=3, endbetrag=3, zu zahlen=3,
        zahlbetrag=3, gesamtsumme=3, bruttobetrag=3, summe brutto=3, gesamt brutto=3, brutto gesamt=3, total
        brutto=3, total eur=3, total incl=3, total including=3, total inkl=3, montant total=3, total general=3,
        endsumme=3, rechnungssumme=3, gesamtpreis=2, summe eur=3, total chf=3, total gbp=3, total usd=3, betrag
        eur=2, a payer=2, total=2, summe=2, gesamt=2, brutto=2, montant=1, betrag=1, amount=1, sum=1, sale=1,
        totale=2, payer=1, balance=2, to pay=2, rechnungsendbetrag=3, montant a regler=3, total a regler=3, net
        a regler=3, solde=2, solde du=3, offener betrag=3, order total=3, total amount due=3, total sum=3,
        total inclusive=3, total includes=3, total sales inclusive=3, total sales incl=3, total amount payable=3,
        final total=3, ttl=2, total include=3, total rounded=3, rounded total=3, total after rounding=3, nett total=3,
        total to be paid=3,
        amount to pay=3, balance payable=3, total sales=2, importe total=3, total a pagar=3, total factura=3,
        importe a pagar=3, total con iva=3, total iva incluido=3, total importe=3, importe=1, totale documento=3,
        totale fattura=3, totale da pagare=3, netto a pagare=3, importo totale=3, totale complessivo=3,
        totale euro=3, totale iva inclusa=3, importo=1, totaal=2, totaalbedrag=3, te betalen=3, totaal incl=3,
        totaal te betalen=3, totaal bedrag=3, eindtotaal=3, bedrag=1, totaal eur=3, valor total=3, total geral=3,
        valor a pagar=3, total da fatura=3, total a liquidar=3, zu zahlender betrag=3, gesamtsumme eur=3
    """,
    "net": """
        total ht=3, montant ht=3, total hors taxes=3, total hors taxe=3, net amount=3, nettobetrag=3, summe
        netto=3, netto summe=3, gesamt netto=3, netto gesamt=3, total net=3, net total=3, total excl=3, total
        excluding=3, total before tax=3, amount before tax=3, total netto=3, nettosumme=3, warenwert=2,
        subtotal=2, sub-total=2, sub total=2, sous-total=2, sous total=2, zwischensumme=2, netto=2, net=1, ht=1,
        hors taxe=2, hors taxes=2, excl. vat=2, excl vat=2,
        total sales excluding=3, total sales excl=3, total exclusive=3, sub ttl=2, subttl=2, base imponible=3,
        importe neto=3, total sin iva=3, neto=2, imponibile=3, totale imponibile=3, subtotale=2, subtotaal=2,
        totaal excl=3, netto bedrag=3, totaal exclusief=3, excl btw=2, base tributavel=3, valor liquido=3,
        base de incidencia=3, total liquido=3
    """,
    "tax": """
        total tva=3, montant tva=3, total vat=3, total tax=3, vat amount=3, tax amount=3, mwst betrag=3,
        mwst.-betrag=3, summe mwst=3, summe ust=3, umsatzsteuer=3, mehrwertsteuer=3, enthaltene mwst=3,
        enthaltene ust=3, inkl. mwst=2, incl. vat=2, dont tva=3, sales tax=3, ust=2, mwst=2, tva=2, vat=2,
        tax=2, steuer=2, steuerbetrag=3, taxes=2, gst=2, hst=2,
        total gst=3, gst payable=3, gst amount=3, gst included=2, sst=2, service tax=2, iva=2, total iva=3,
        cuota iva=3, importe iva=3, igic=2, totale iva=3, imposta=2, importo iva=3, btw=2, totaal btw=3,
        btw bedrag=3, valor iva=3, ppn=2
    """,
    "paid": """
        bar=1, cash=1, gegeben=2, given=2, tendered=2, especes=1, ec-karte=1, ec karte=1, kartenzahlung=1,
        karte=1, card=1, visa=1, mastercard=1, carte bancaire=1, cb=1, girocard=1, paid=1, bezahlt=1, paye=1,
        payment=1, zahlung=1, amex=1, maestro=1, debit=1, credit=1,
        cash tendered=3, customer's payment=2, tunai=1, efectivo=1, contanti=1, contant=1, pin=1, dinheiro=1,
        tarjeta=1, pago=1, pagato=1, betaald=1, pagamento=1, visa card=1, credit card=1, debit card=1,
        total paid=2, amount tendered=3, cash received=3, received=2, tender=2, paid amount=3, amount paid=3
    """,
    "change": """
        change=2, ruckgeld=3, rueckgeld=3, wechselgeld=3, rendu=3, monnaie rendue=3, a rendre=3, zuruck=2,
        tip=2, trinkgeld=2, pourboire=2, discount=2, rabatt=2, remise=2, skonto=2, savings=2, ersparnis=2, you
        saved=2, pfand=1, deposit=1, acompte=2, anzahlung=2, already paid=2, bereits bezahlt=2,
        change due=3, change returned=3, rounding=2, round adj=2, rounding adj=2, rounding adjustment=3, rnd adj=2,
        round=1,
        redondeo=2, arrondi=2, rundung=2, cambio=2, vuelto=2, resto=2, wisselgeld=3, terug=2, troco=3,
        descuento=2, sconto=2, korting=2, desconto=2, disc=1, service charge=2, svc chg=2
    """,
    "date": """
        rechnungsdatum=3, invoice date=3, date de facture=3, date de la facture=3, date facture=3, belegdatum=3,
        ausstellungsdatum=3, issue date=3, date of issue=3, date d'emission=3, date of invoice=3, datum=2,
        date=2, dated=2, le=1, vom=1, receipt date=3, date du ticket=3, bondatum=3, kaufdatum=3, purchase
        date=3, transaction date=3, sale date=3,
        fecha=2, fecha factura=3, fecha de emision=3, fecha de factura=3, fecha de expedicion=3, data=2,
        data fattura=3, data documento=3, data emissione=3, data de emissao=3, data da fatura=3,
        factuurdatum=3, tarikh=2
    """,
    "due_date": """
        due date=3, payment due=3, due by=3, due on=3, fallig am=3, fallig=3, faellig=3, falligkeit=3, zahlbar
        bis=3, zahlbar bis zum=3, date d'echeance=3, echeance=3, a payer avant=3, payable avant=3, payable by=3,
        pay by=3, payer avant le=3, zahlungsziel=2, due=2, date limite de paiement=3, payable le=3,
        fecha de vencimiento=3, vencimiento=3, scadenza=3, data scadenza=3, vervaldatum=3,
        uiterste betaaldatum=3, te betalen voor=3, data de vencimento=3, vencimento=3
    """,
    "other_date": """
        lieferdatum=3, leistungsdatum=3, delivery date=3, date de livraison=3, order date=3, bestelldatum=3,
        date de commande=3, leistungszeitraum=3, zeitraum=2, period=2, periode=2, service date=3, ship date=3,
        versanddatum=3, gultig bis=3, valid until=3, expires=2, date de prestation=3, auftragsdatum=3, angebot
        vom=3, lieferschein=2,
        fecha de entrega=3, data consegna=3, leverdatum=3, data de entrega=3, fecha pedido=3, print time=2,
        bill close=2
    """,
    "invoice_number": """
        invoice no=3, invoice number=3, invoice #=3, invoice nr=3, inv no=3, inv #=3, rechnungsnummer=3,
        rechnungs-nr=3, rechnung nr=3, rechnungsnr=3, rechnung-nr=3, re-nr=3, rg-nr=3, belegnummer=3,
        beleg-nr=3, beleg nr=3, bon-nr=3, bon nr=3, bonnummer=3, quittungsnummer=3, quittung nr=3, receipt no=3,
        receipt number=3, receipt #=3, numero de facture=3, n° de facture=3, no de facture=3, facture n°=3,
        facture no=3, facture n=2, n° facture=3, numero facture=3, ticket n°=3, ticket no=3, n° ticket=3, n° de
        ticket=3, transaction no=3, trans-nr=3, trans.-nr=3, trans nr=3, document no=3, doc no=2, invoice id=3,
        bill no=3, ref no=1, nummer=1, nr=1, n°=1, no=1, number=1, #=1, invoice=1, rechnung=1, facture=1,
        receipt=1, beleg=1, bon=1, ticket=1, quittung=1, kassenbon=1, rechnungs nr=3, numero=1, tax invoice=1,
        facture numero=3, invoice no.=3, belegnr=3, transaktion=2,
        tax invoice no=3, cash inv no=3, inv no=3, doc no=3, invoice #=3, bill no=3, bill=1, receipt #=3,
        factura n=3, factura no=3, factura nº=3, n.º factura=3, nº factura=3, numero de factura=3, num factura=3,
        n factura=3, factura num=3, fattura n=3, fattura nr=3, fattura numero=3, numero fattura=3, n. fattura=3,
        numero documento=3, factuurnummer=3, factuur nr=3, factuurnr=3, factuur nummer=3, fatura n=3,
        fatura nº=3, numero da fatura=3, nota fiscal=2, recibo n=3, recibo nº=3, ricevuta n=3, scontrino n=3,
        documento n=3, nº=1, numero=1, factura=1, fattura=1, factuur=1, fatura=1, ticket nº=3
    """,
    "po_number": """
        po number=3, po no=3, po #=3, p.o.=3, po=2, purchase order=3, order no=3, order number=3, your order=3,
        bestellnummer=3, bestell-nr=3, bestellnr=3, ihre bestellung=3, auftragsnummer=3, auftrag nr=3,
        auftrags-nr=3, bon de commande=3, n° de commande=3, numero de commande=3, commande n°=3, votre
        commande=3, reference commande=3, order ref=3, order #=3, ihre bestellnummer=3, commande=2,
        pedido=2, n° pedido=3, numero de pedido=3, su pedido=3, ordine n=3, numero ordine=3, vostro ordine=3,
        bestelnummer=3, uw bestelling=3, ordernummer=3, uw referentie=2, encomenda=2, nº encomenda=3
    """,
    "customer": """
        kundennummer=3, kunden-nr=3, kundennr=3, customer no=3, customer number=3, customer id=3, n° client=3,
        client n°=3, numero client=3, code client=3, account no=3, account number=3, steuernummer=2, st.-nr=2,
        telefon=3, tel=2, phone=3, fax=3, tel.=2, kasse=2, caisse=2, register=2, terminal=2, tse=2, filiale=2,
        store=1, magasin=1, ust-idnr=3, vat no=3, vat number=3, vat reg=3, siret=3, siren=3, rcs=2, bic=3,
        iban=3, blz=3, kto=3, hrb=3, amtsgericht=3, page=2, seite=2, kontonummer=3, auftrag=1, artikel-nr=3,
        art.-nr=3, sku=3, ean=3, lieferschein-nr=3, delivery note=3, bon de livraison=3, mandate=2,
        mandatsreferenz=3, glaubiger-id=3, tax id=3, n° tva=3, tva intracom=3, tva intracommunautaire=3,
        ust-id=3, ust id=3, mwst-nr=3, uid=3, abn=3,
        reg no=3, company reg no=3, company reg=3, co reg=3, co no=2, gst id=3, gst reg no=3, gst reg=3,
        gst no=3, gst id no=3, roc no=3, cif=3, nif=3, nie=2, partita iva=3, p iva=3, p.iva=3, codice fiscale=3,
        kvk=3, kvk-nummer=3, btw-nummer=3, btw nr=3, btw-nr=3, btw-id=3, nipc=3, contribuinte=3, telefono=3,
        telefoon=3, telemovel=3, cashier=2, counter=2, table=2, pax=2, operator=2, salesperson=2, server=1,
        member number=3, member=2, cajero=2, cassiere=2, kassa=2, mesa=2, tavolo=2, tafel=2, mobile=3,
        whatsapp=3, email=3, e-mail=3, website=3, trn=2, staff=2, svr=2, csh=2, ref=2
    """,
    "buyer": """
        bill to=3, billed to=3, invoice to=3, sold to=3, ship to=3, deliver to=3, customer=2, client=2,
        rechnungsempfanger=3, rechnungsadresse=3, lieferadresse=3, lieferanschrift=3, kunde=2, an=1, facture
        a=3, facturer a=3, adresse de facturation=3, adresse de livraison=3, livrer a=3, destinataire=3, to=1,
        empfanger=3,
        cliente=2, facturar a=3, factura a=3, destinatario=3, klant=2, factuuradres=3, afleveradres=3,
        spett le=3, spettabile=3, intestatario=3
    """,
    "count": """
        total qty=3, total quantity=3, total item=3, total items=3, item count=3, item(s)=3, qty(s)=3,
        total item(s)=3, total quantity(s)=3, no of items=3, anzahl artikel=3, nombre d'articles=3
    """,
    "header": """
        description=2, beschreibung=2, bezeichnung=2, artikel=2, designation=2, libelle=2, qty=2, quantity=2,
        menge=2, anzahl=2, anz=2, qte=2, quantite=2, unit price=2, einzelpreis=2, e-preis=2, ep=1, prix
        unitaire=2, prix unit=2, pu=1, price=2, preis=2, prix=2, item=2, pos=2, position=2, leistung=2, rate=1,
        unit=1, einheit=2, unite=2, gesamtpreis=2, article=2, produit=2, product=2, service=1, hours=1,
        stunden=1, heures=1, vat %=1, mwst %=1, tva %=1,
        descripcion=2, cantidad=2, precio=2, precio unitario=2, cant=1, uds=1, unidades=2, descrizione=2,
        quantita=2, q ta=2, prezzo=2, prezzo unitario=2, omschrijving=2, aantal=2, prijs=2, stuksprijs=2,
        descricao=2, quantidade=2, qtd=2, preco=2, preco unitario=2, u/price=2, u price=2, s/price=2, uom=2,
        u p=1, amt=1, unit amt=2, tax code=2, gst summary=3, gst analysis=3, tax summary=3, vat summary=3,
        vat analysis=3, tax analysis=3, mwst ubersicht=3, steuerubersicht=3, recapitulatif tva=3,
        resumen iva=3, desglose iva=3, riepilogo iva=3, btw overzicht=3, resumo iva=3
    """,
}
"""Per role, ``phrase=strength`` entries separated by commas."""
PHRASES: dict[str, dict[str, int]] = {
    role: {" ".join(p.rsplit("=", 1)[0].split()): int(p.rsplit("=", 1)[1]) for p in text.split(",") if p.strip()}
    for role, text in _TABLE.items()
}
"""role -> folded phrase -> strength."""

FIELD_ROLES = ("total", "net", "tax", "date", "due_date", "invoice_number", "po_number")


@dataclass(frozen=True, kw_only=True)
class Label:
    """A phrase found in a line's text: its role, strength and place in the text."""

    role: str
    strength: int
    start: int
    end: int
    phrase: str


def fold(text: str) -> str:
    """Lower case without accents, one character for one (so places in the text stay the same)."""
    out = []
    for char in text:
        base = unicodedata.normalize("NFD", char)[0]
        out.append(base.lower() if len(base.lower()) == 1 else char)
    return "".join(out)


@cache
def _pattern() -> re.Pattern[str]:
    phrases = sorted({p for table in PHRASES.values() for p in table}, key=len, reverse=True)
    body = "|".join("".join(r"[\s.:()-]*" if c in " .-" else re.escape(c) for c in p) for p in phrases)
    return re.compile(rf"(?<![a-z0-9])(?:{body})(?![a-z])")


@cache
def _roles(phrase: str) -> tuple[tuple[str, int], ...]:
    return tuple((role, table[phrase]) for role, table in PHRASES.items() if phrase in table)


def _canonical(matched: str) -> str:
    return re.sub(r"[\s.:()-]+", " ", matched).strip()


@cache
def _by_canonical() -> dict[str, str]:
    return {_canonical(p): p for table in PHRASES.values() for p in table}


QUALIFIERS = (
    *("excl", "incl", "inkl", "hors", "before", "including", "excluding", "zzgl", "ohne", "mit", "inclusive"),
    *("includes", "include", "exclusive", "inc", "exc", "con", "sin", "senza", "exclusief", "inclusief", "sem", "com"),
)
LINKS = frozenset(
    ("", "of", "de", "du", "der", "die", "des", "di", "van", "met", "with", "d'", "la", "le", "el", "da", "do")
)
"""Small words between a qualifier and its tax word ("Total incl. of GST")."""


def _qualifies(before: str, phrase: str, gap: str) -> bool:
    """Whether a tax word qualifies the total or net label before it ("Total incl. of GST")."""
    words = [w for w in re.split(r"[\s.:()%\d@]+", gap) if w]
    if any(q in before.split() or before.endswith(q) for q in QUALIFIERS) or phrase.startswith(QUALIFIERS):
        return all(w in LINKS for w in words)
    return 1 <= len(words) <= 4 and any(w in QUALIFIERS for w in words)  # "Total after adj. incl. GST"


def find_labels(text: str) -> list[Label]:
    """The labels in a line, left to right; a phrase of several roles gives one label per role.

    A tax word that qualifies the label before it ("Total excl. VAT", "Gesamt inkl. MwSt") is
    part of that label, not a tax label of its own.
    """
    folded = fold(text)
    found: list[Label] = []
    lookup = _by_canonical()
    for m in _pattern().finditer(folded):
        phrase = lookup.get(_canonical(m.group(0)))
        if phrase is None:
            continue
        previous = found[-1] if found else None
        if (
            previous is not None
            and previous.role in ("net", "total")
            and m.start() - previous.end <= 24
            and "tax" in dict(_roles(phrase))
            and _qualifies(previous.phrase, phrase, folded[previous.end : m.start()])
        ):
            found[-1] = Label(
                role=previous.role,
                strength=previous.strength,
                start=previous.start,
                end=m.end(),
                phrase=previous.phrase,
            )
            continue
        roles = _roles(phrase)
        if (
            previous is not None
            and max(s for _, s in roles) == 1
            and previous.strength >= 2
            and m.start() - previous.end <= 2
        ):
            for i in range(len(found) - 1, -1, -1):  # "à payer avant le": "le" belongs to the due date
                if (found[i].start, found[i].end) == (previous.start, previous.end):
                    found[i] = Label(
                        role=found[i].role,
                        strength=found[i].strength,
                        start=found[i].start,
                        end=m.end(),
                        phrase=found[i].phrase,
                    )
            continue
        for role, strength in roles:
            found.append(Label(role=role, strength=strength, start=m.start(), end=m.end(), phrase=phrase))
    return found
