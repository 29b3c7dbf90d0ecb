"""Page layouts of receipts and invoices. Three are for development (their results may be looked
at while improving the extractor); three are held out, generated only for the evaluation.

Development: ``receipt_classic`` (a till receipt, centred header, tax lines under the total),
``invoice_din`` (a German-style business letter: sender line, recipient window, an information
block of label: value on the right, item table, totals, footer with bank and VAT id),
``invoice_modern`` (labels above values in a header band, bill-to block, totals block).
Held out: ``receipt_compact`` (monospace, dotted leaders, a tax table with a header row),
``invoice_sidebar`` (vendor, bank and VAT id in a right column, number after the title),
``invoice_grid`` (a French-style invoice: reference and date under the title, client box on the
right, a table with a reference column, totals ending in "net à payer" or its equivalent).
"""

from __future__ import annotations

import random
from collections.abc import Callable

from officeflow.documents.synth.canvas import Sheet
from officeflow.documents.synth.content import Content
from officeflow.documents.synth.style import day, label, money, rate_text, with_currency

A4 = (595.0, 842.0)


def _m(c: Content, value: float, rng: random.Random, style: int = 0) -> str:
    return with_currency(money(value, c.country, rng), c.currency, c.country, style)


def _rates(c: Content) -> list[tuple[float, float, float]]:
    return [(r, n, t) for r, (n, t) in sorted(c.taxes.items())]


def receipt_classic(c: Content, rng: random.Random, quirky: bool = False) -> list[Sheet]:
    width = rng.choice([204.0, 226.0])
    sheet = Sheet(width, 1000.0, base=rng.choice(["sans", "mono", "condensed"]), y=14)
    mid, left, right = width / 2, 10.0, width - 10.0
    lang = c.language
    name_size = min(12.0, (width - 16) / (0.66 * len(c.vendor.name)))
    sheet.text(mid, c.vendor.name, name_size, bold=True, align="c")
    sheet.line(name_size, 1.6)
    for text in (c.vendor.street, c.vendor.city, f"Tel. {c.vendor.phone}"):
        sheet.text(mid, text, 7.5, align="c")
        sheet.line(7.5)
    if c.vendor.vat_id:
        sheet.text(mid, f"{label(lang, 'vat', rng)} {c.vendor.vat_id}", 7.5, align="c")
        sheet.line(7.5)
    sheet.line(7.5, 0.8)
    date_style = rng.choice([0, 0, 2]) if lang != "en" else rng.choice([0, 1])
    sheet.text(left, f"{day(c.issued, c.country, date_style)}  {rng.randint(7, 21):02d}:{rng.randint(0, 59):02d}", 8)
    sheet.text(right, f"{label(lang, 'receipt_number', rng)} {c.number}", 8, align="r")
    sheet.line(8, 1.8)
    sheet.rule(left, right)
    sheet.line(8, 0.6)
    for item in c.items:
        if item.quantity != 1:
            sheet.text(left + 8, f"{item.quantity:g} x {money(item.unit_price, c.country)}", 7.5)
            sheet.line(7.5)
        sheet.text(left, item.description[:26], 8)
        sheet.text(right, money(item.amount, c.country), 8, align="r")
        sheet.line(8)
    sheet.rule(left, right)
    sheet.line(8, 0.6)
    sheet.text(left, label(lang, "receipt_total", rng), 11, bold=True)
    sheet.text(right, _m(c, c.total, rng, rng.choice([0, 1, 2])), 11, bold=True, align="r")
    sheet.line(11, 1.6)
    if c.paid is not None:
        sheet.text(left, label(lang, "paid", rng), 8)
        sheet.text(right, money(c.paid, c.country), 8, align="r")
        sheet.line(8)
        if c.paid > c.total:
            sheet.text(left, label(lang, "change", rng), 8)
            sheet.text(right, money(round(c.paid - c.total, 2), c.country), 8, align="r")
            sheet.line(8)
    sheet.line(8, 0.5)
    for rate, _net, tax in _rates(c):
        sheet.text(left, label(lang, "tax_included", rng, c.country, r=rate_text(rate, c.country)), 7.5)
        sheet.text(right, money(tax, c.country), 7.5, align="r")
        sheet.line(7.5)
    sheet.line(8, 1.0)
    sheet.text(mid, label(lang, "thanks", rng), 8, align="c")
    sheet.line(8, 3)
    sheet.height = sheet.y
    return [sheet]


def _footer(sheet: Sheet, c: Content, rng: random.Random) -> None:
    lang = c.language
    y = A4[1] - 60
    sheet.rule(40, A4[0] - 40, y - 6)
    cols = [
        [c.vendor.name, c.vendor.street, c.vendor.city],
        [f"Tel. {c.vendor.phone}", f"{label(lang, 'vat', rng)} {c.vendor.vat_id}" if c.vendor.vat_id else ""],
        [
            label(lang, "bank", rng),
            f"IBAN {_spaced(c.vendor.iban)}" if c.vendor.iban else "",
            "BIC " + "".join(rng.choice("ABCDEFGHKLMNPRSTUVWXYZ") for _ in range(8)),
        ],
    ]
    for i, col in enumerate(cols):
        for j, text in enumerate(col):
            if text:
                sheet.text(40 + i * 180, text, 6.5, y=y + j * 9)


def _spaced(iban: str | None) -> str:
    return " ".join(iban[i : i + 4] for i in range(0, len(iban), 4)) if iban else ""


def _table(
    sheets: list[Sheet], c: Content, rng: random.Random, head: list[str], *, ref_column: bool, rows_per_page: int
) -> Sheet:
    sheet = sheets[-1]
    xs = [40, 70 if ref_column else 40, 330, 410, 555]

    def header() -> None:
        s = sheets[-1]
        s.rule(40, 555)
        s.line(9, 0.4)
        names = head if ref_column else head[1:]
        positions = (
            [(xs[0], "l"), (xs[1], "l"), (xs[2], "r"), (xs[3], "r"), (xs[4], "r")]
            if ref_column
            else [(xs[1], "l"), (xs[2], "r"), (xs[3], "r"), (xs[4], "r")]
        )
        for name, (x, align) in zip(names, positions, strict=False):
            s.text(x, name, 8.5, bold=True, align=align)
        s.line(9)
        s.rule(40, 555)
        s.line(9, 0.5)

    header()
    for n, item in enumerate(c.items, start=1):
        if n > 1 and (n - 1) % rows_per_page == 0:
            sheets.append(Sheet(A4[0], A4[1], base=sheet.base, y=60))
            header()
        s = sheets[-1]
        if ref_column:
            s.text(xs[0], f"{n}", 8.5)
        s.text(xs[1], item.description, 8.5)
        s.text(xs[2], f"{item.quantity:g}", 8.5, align="r")
        s.text(xs[3], money(item.unit_price, c.country), 8.5, align="r")
        s.text(xs[4], money(item.amount, c.country), 8.5, align="r")
        s.line(8.5, 1.5)
    sheets[-1].rule(40, 555)
    sheets[-1].line(9, 0.8)
    return sheets[-1]


def _totals(sheet: Sheet, c: Content, rng: random.Random, x_label: float, x_value: float = 555) -> None:
    lang = c.language
    style = rng.choice([0, 1, 2])
    sheet.text(x_label, label(lang, "net", rng), 9)
    sheet.text(x_value, _m(c, c.net, rng, style if style != 2 else 0), 9, align="r")
    sheet.line(9, 1.5)
    for rate, _net, tax in _rates(c):
        sheet.text(x_label, label(lang, "tax", rng, c.country, r=rate_text(rate, c.country)), 9)
        sheet.text(x_value, _m(c, tax, rng, style if style != 2 else 0), 9, align="r")
        sheet.line(9, 1.5)
    sheet.rule(x_label, x_value)
    sheet.line(9, 0.5)
    sheet.text(x_label, label(lang, "total", rng), 10.5, bold=True)
    sheet.text(x_value, _m(c, c.total, rng, style), 10.5, bold=True, align="r")
    sheet.line(10.5, 2.2)


def _rows_per_page(c: Content) -> int:
    return 22 if len(c.items) > 14 else 40


def invoice_din(c: Content, rng: random.Random, quirky: bool = False) -> list[Sheet]:
    lang = c.language
    sheet = Sheet(*A4, base=rng.choice(["sans", "serif", "condensed"]), y=40)
    sheet.text(555, c.vendor.name, 15, bold=True, align="r")
    sheet.line(15, 1.5)
    for text in (c.vendor.street, c.vendor.city, c.vendor.phone):
        sheet.text(555, text, 8, align="r")
        sheet.line(8)
    sheet.y = 140
    sheet.text(55, f"{c.vendor.name} · {c.vendor.street} · {c.vendor.city}", 6.5)
    sheet.line(6.5, 2)
    assert c.buyer is not None
    for text in (c.buyer.name, c.buyer.street, c.buyer.city):
        sheet.text(55, text, 10)
        sheet.line(10)
    info = [
        (label(lang, "number", rng), c.number),
        (label(lang, "date", rng), day(c.issued, c.country, rng.choice([0, 0, 1]))),
        (label(lang, "customer", rng), f"{rng.randint(10000, 99999)}"),
    ]
    if c.po_number:
        info.append((label(lang, "po", rng), c.po_number))
    for i, (name, value) in enumerate(info):
        sheet.text(360, f"{name}:", 9, y=150 + i * 13)
        sheet.text(555, value, 9, align="r", y=150 + i * 13)
    sheet.y = 270
    sheet.text(55, label(lang, "title", rng), 16, bold=True)
    sheet.line(16, 2.2)
    sheets = [sheet]
    last = _table(
        sheets, c, rng, ["Pos.", *label_list(lang, "head", rng)[1:]], ref_column=True, rows_per_page=_rows_per_page(c)
    )
    _totals(last, c, rng, 360)
    if c.due:
        last.text(55, f"{label(lang, 'due', rng)} {day(c.due, c.country, 0)}", 9)
        last.line(9)
    last.text(55, label(lang, "terms", rng, d=(c.due - c.issued).days if c.due else 30), 9)
    for s in sheets:
        _footer(s, c, rng)
    return sheets


def label_list(language: str, key: str, rng: random.Random) -> list[str]:
    from officeflow.documents.synth.style import LABELS

    return list(LABELS[language][key])


def invoice_modern(c: Content, rng: random.Random, quirky: bool = False) -> list[Sheet]:
    lang = c.language
    sheet = Sheet(*A4, base=rng.choice(["sans", "condensed"]), y=45)
    name_size = min(18.0, 300 / (0.62 * len(c.vendor.name)))
    sheet.text(40, c.vendor.name, name_size, bold=True)
    sheet.text(555, label(lang, "title", rng).upper(), 20, bold=True, align="r")
    sheet.line(18, 1.6)
    sheet.text(40, f"{c.vendor.street}, {c.vendor.city}", 8)
    sheet.line(8, 3)
    number_label = label(lang, "quirk_number", rng) if quirky else label(lang, "number", rng)
    date_label = label(lang, "quirk_date", rng) if quirky else label(lang, "date", rng)
    heads = [(number_label, c.number), (date_label, day(c.issued, c.country, rng.choice([0, 1])))]
    if c.due:
        heads.append((label(lang, "due", rng), day(c.due, c.country, 0)))
    if c.po_number:
        heads.append((label(lang, "po", rng), c.po_number))
    y = sheet.y
    for i, (name, value) in enumerate(heads):
        sheet.text(40 + i * 130, name, 7.5, y=y, font="sans")
        sheet.text(40 + i * 130, value, 10, bold=True, y=y + 11)
    sheet.y = y + 45
    assert c.buyer is not None
    sheet.text(40, label(lang, "bill_to", rng), 8, bold=True)
    sheet.line(8, 1.5)
    for text in (c.buyer.name, c.buyer.street, c.buyer.city):
        sheet.text(40, text, 9)
        sheet.line(9)
    sheet.line(9, 2)
    sheets = [sheet]
    last = _table(sheets, c, rng, label_list(lang, "head", rng), ref_column=False, rows_per_page=_rows_per_page(c))
    _totals(last, c, rng, 380)
    if c.vendor.iban:
        last.text(40, f"{label(lang, 'bank', rng)}: IBAN {_spaced(c.vendor.iban)}", 8)
        last.line(8)
    if c.vendor.vat_id:
        last.text(40, f"{label(lang, 'vat', rng)}: {c.vendor.vat_id}", 8)
        last.line(8)
    return sheets


def receipt_compact(c: Content, rng: random.Random, quirky: bool = False) -> list[Sheet]:
    width = 216.0
    sheet = Sheet(width, 1000.0, base="mono", y=12)
    left, right = 8.0, width - 8.0
    lang = c.language
    name_size = min(9.5, (width - 16) / (0.62 * len(c.vendor.name)))
    sheet.text(left, c.vendor.name.upper(), name_size, bold=True)
    sheet.line(name_size, 1.4)
    sheet.text(left, f"{c.vendor.street} - {c.vendor.city}", 6.5)
    sheet.line(6.5)
    if c.vendor.vat_id:
        sheet.text(left, f"{label(lang, 'vat', rng)}: {c.vendor.vat_id}", 6.5)
        sheet.line(6.5)
    sheet.line(6.5, 0.8)
    sheet.text(left, f"{label(lang, 'receipt_number', rng)}: {c.number}", 7)
    sheet.line(7)
    sheet.text(
        left,
        f"{label(lang, 'date', rng)}: {day(c.issued, c.country, 0)} {rng.randint(7, 21):02d}:{rng.randint(0, 59):02d}",
        7,
    )
    sheet.line(7, 1.8)
    for item in c.items:
        qty = f"{item.quantity:g}x " if item.quantity != 1 else ""
        sheet.text(left, f"{qty}{item.description[:20]}", 7)
        sheet.text(right, money(item.amount, c.country), 7, align="r")
        sheet.line(7)
    sheet.line(7, 0.6)
    total_label = label(lang, "receipt_total", rng)
    sheet.text(left, f"{total_label} {'.' * max(3, 22 - len(total_label))}", 9, bold=True)
    sheet.text(right, _m(c, c.total, rng, 1), 9, bold=True, align="r")
    sheet.line(9, 1.8)
    cols = {
        "de": ["MwSt", "Netto", "Steuer", "Brutto"],
        "fr": ["Taux", "HT", "TVA", "TTC"],
        "en": ["Rate", "Net", "VAT", "Gross"],
    }[lang]
    xs = [left, 90, 140, right]
    for i, name in enumerate(cols):
        sheet.text(xs[i], name, 6.5, align="l" if i == 0 else "r")
    sheet.line(6.5)
    for rate, net, tax in _rates(c):
        for i, value in enumerate(
            [
                f"{rate_text(rate, c.country)}%",
                money(net, c.country),
                money(tax, c.country),
                money(round(net + tax, 2), c.country),
            ]
        ):
            sheet.text(xs[i], value, 6.5, align="l" if i == 0 else "r")
        sheet.line(6.5)
    if c.paid is not None:
        sheet.line(6.5, 0.6)
        sheet.text(left, label(lang, "paid", rng), 7)
        sheet.text(right, money(c.paid, c.country), 7, align="r")
        sheet.line(7)
    sheet.line(7, 1.2)
    sheet.text(left, label(lang, "thanks", rng), 7)
    sheet.line(7, 3)
    sheet.height = sheet.y
    return [sheet]


def invoice_sidebar(c: Content, rng: random.Random, quirky: bool = False) -> list[Sheet]:
    lang = c.language
    sheet = Sheet(*A4, base=rng.choice(["serif", "sans"]), y=50)
    side = 420
    sheet.text(side, c.vendor.name, 11, bold=True, y=50)
    side_lines = [c.vendor.street, c.vendor.city, c.vendor.phone, ""]
    if c.vendor.vat_id:
        side_lines += [label(lang, "vat", rng), c.vendor.vat_id]
    if c.vendor.iban:
        side_lines += ["", "IBAN", _spaced(c.vendor.iban)]
    for i, text in enumerate(side_lines):
        if text:
            sheet.text(side, text, 7.5, y=68 + i * 10)
    title = label(lang, "number_alt", rng)
    sheet.text(
        40,
        f"{label(lang, 'title', rng)} {c.number}"
        if title in ("Rechnung", "Facture", "Invoice")
        else f"{title}: {c.number}",
        16,
        bold=True,
        y=50,
    )
    sheet.text(40, f"{label(lang, 'issued_alt', rng)}: {day(c.issued, c.country, rng.choice([0, 1, 2]))}", 9, y=76)
    if c.due:
        sheet.text(40, f"{label(lang, 'due', rng)}: {day(c.due, c.country, rng.choice([0, 1]))}", 9, y=89)
    if c.po_number:
        sheet.text(40, f"{label(lang, 'po', rng)}: {c.po_number}", 9, y=102)
    assert c.buyer is not None
    sheet.y = 140
    for text in (label(lang, "bill_to", rng) + ":", c.buyer.name, c.buyer.street, c.buyer.city):
        sheet.text(40, text, 9)
        sheet.line(9)
    sheet.y = 230
    sheets = [sheet]
    last = _table(sheets, c, rng, label_list(lang, "head", rng), ref_column=False, rows_per_page=_rows_per_page(c))
    _totals(last, c, rng, 340)
    return sheets


def invoice_grid(c: Content, rng: random.Random, quirky: bool = False) -> list[Sheet]:
    lang = c.language
    sheet = Sheet(*A4, base=rng.choice(["sans", "condensed", "serif"]), y=40)
    sheet.text(40, c.vendor.name, 13, bold=True)
    sheet.line(13, 1.5)
    for text in (
        c.vendor.street,
        c.vendor.city,
        f"Tél. {c.vendor.phone}" if lang == "fr" else f"Tel. {c.vendor.phone}",
    ):
        sheet.text(40, text, 8)
        sheet.line(8)
    assert c.buyer is not None
    for i, text in enumerate(
        (label(lang, "customer", rng) + f" {rng.randint(100, 9999)}", c.buyer.name, c.buyer.street, c.buyer.city)
    ):
        sheet.text(340, text, 9, y=120 + i * 12)
    sheet.y = 200
    sheet.text(
        40,
        f"{label(lang, 'title', rng).upper()} {label(lang, 'number', rng)} {c.number}"
        if rng.random() < 0.5
        else f"{label(lang, 'number', rng)} : {c.number}",
        13,
        bold=True,
    )
    sheet.line(13, 1.7)
    sheet.text(40, f"{label(lang, 'date', rng)} : {day(c.issued, c.country, rng.choice([0, 1]))}", 9)
    sheet.line(9, 1.4)
    if c.po_number:
        sheet.text(40, f"{label(lang, 'po', rng)} : {c.po_number}", 9)
        sheet.line(9, 1.4)
    sheet.line(9, 1.5)
    sheets = [sheet]
    last = _table(sheets, c, rng, label_list(lang, "head", rng), ref_column=True, rows_per_page=_rows_per_page(c))
    _totals(last, c, rng, 350)
    if c.due:
        last.text(40, f"{label(lang, 'due', rng)} : {day(c.due, c.country, 0)}", 9)
        last.line(9)
    for s in sheets:
        _footer(s, c, rng)
    return sheets


Layout = Callable[[Content, random.Random, bool], list[Sheet]]
DEVELOPMENT: dict[str, tuple[str, Layout]] = {
    "receipt_classic": ("receipt", receipt_classic),
    "invoice_din": ("invoice", invoice_din),
    "invoice_modern": ("invoice", invoice_modern),
}
HELD_OUT: dict[str, tuple[str, Layout]] = {
    "receipt_compact": ("receipt", receipt_compact),
    "invoice_sidebar": ("invoice", invoice_sidebar),
    "invoice_grid": ("invoice", invoice_grid),
}
