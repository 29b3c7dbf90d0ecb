"""What a generated document says: vendor, buyer, numbers, dates, items and amounts, seeded.

Amounts are computed as real documents compute them: an invoice's items are net and the tax
is added per rate; a receipt's prices include tax, which is shown as contained in the total.
VAT ids carry valid check digits (DE, FR), IBANs valid mod-97 check digits.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

COUNTRIES = {
    "DE": {"language": "de", "currency": "EUR", "rates": (19, 7), "iban_len": 22},
    "AT": {"language": "de", "currency": "EUR", "rates": (20, 10), "iban_len": 20},
    "CH": {"language": "de", "currency": "CHF", "rates": (8.1, 2.6), "iban_len": 21},
    "FR": {"language": "fr", "currency": "EUR", "rates": (20, 10, 5.5), "iban_len": 27},
    "BE": {"language": "fr", "currency": "EUR", "rates": (21, 6), "iban_len": 16},
    "GB": {"language": "en", "currency": "GBP", "rates": (20, 5), "iban_len": 22},
    "IE": {"language": "en", "currency": "EUR", "rates": (23, 13.5), "iban_len": 22},
    "US": {"language": "en", "currency": "USD", "rates": (8.875, 6.25, 7), "iban_len": 0},
}
NAME_PARTS = {
    "de": (
        [
            "Bäckerei",
            "Metzgerei",
            "Autohaus",
            "Elektro",
            "Büro",
            "Reisebüro",
            "Gasthof",
            "Apotheke",
            "Buchhandlung",
            "Getränke",
            "Malerbetrieb",
            "Druckerei",
            "Hotel",
            "Tankstelle",
            "Café",
            "Computer",
            "Möbelhaus",
        ],
        [
            "Müller",
            "Schmidt",
            "Schneider",
            "Fischer",
            "Weber",
            "Meyer",
            "Wagner",
            "Becker",
            "Schulz",
            "Hoffmann",
            "Koch",
            "Richter",
            "Klein",
            "Wolf",
            "Schröder",
            "Neumann",
            "Braun",
            "Zimmermann",
            "Krüger",
            "Hartmann",
            "Lange",
            "Werner",
            "Krause",
            "Lehmann",
            "Köhler",
        ],
        ["GmbH", "GmbH & Co. KG", "AG", "e.K.", "KG", "OHG", "UG (haftungsbeschränkt)", ""],
    ),
    "fr": (
        [
            "Boulangerie",
            "Garage",
            "Librairie",
            "Pharmacie",
            "Hôtel",
            "Restaurant",
            "Imprimerie",
            "Transports",
            "Menuiserie",
            "Électricité",
            "Café",
            "Fromagerie",
            "Informatique",
            "Papeterie",
        ],
        [
            "Dubois",
            "Martin",
            "Bernard",
            "Durand",
            "Lefebvre",
            "Moreau",
            "Laurent",
            "Simon",
            "Michel",
            "Garnier",
            "Rousseau",
            "Fontaine",
            "Chevalier",
            "Mercier",
            "Blanc",
            "Guerin",
            "Faure",
            "Lambert",
            "Bonnet",
            "Girard",
        ],
        ["SARL", "SAS", "SA", "EURL", "& Fils", ""],
    ),
    "en": (
        [
            "Northside",
            "Riverside",
            "Oakwood",
            "Harbour",
            "Greenfield",
            "Summit",
            "Bluebell",
            "Kingsway",
            "Meadow",
            "Castle",
            "Union",
            "Pioneer",
            "Atlas",
            "Beacon",
            "Cedar",
            "Granite",
        ],
        [
            "Office Supplies",
            "Hardware",
            "Catering",
            "Print Works",
            "Electrical",
            "Books",
            "Motors",
            "Coffee House",
            "Consulting",
            "Logistics",
            "Stationers",
            "Pharmacy",
            "Diner",
            "Software",
            "Builders",
            "Bakery",
        ],
        ["Ltd", "Limited", "LLC", "Inc.", "PLC", "Co.", ""],
    ),
}
STREETS = {
    "de": [
        "Hauptstraße",
        "Bahnhofstr.",
        "Gartenweg",
        "Schillerstraße",
        "Lindenallee",
        "Marktplatz",
        "Kirchgasse",
        "Am Ring",
        "Goethestr.",
        "Industriestraße",
    ],
    "fr": [
        "rue de la République",
        "avenue Jean Jaurès",
        "boulevard Victor Hugo",
        "rue du Moulin",
        "place de la Gare",
        "chemin des Vignes",
        "rue Pasteur",
        "quai de Seine",
    ],
    "en": [
        "High Street",
        "Station Road",
        "Church Lane",
        "Main Street",
        "Park Avenue",
        "Mill Road",
        "Queen Street",
        "Elm Drive",
        "Market Square",
    ],
}
CITIES = {
    "DE": [
        ("10115", "Berlin"),
        ("80331", "München"),
        ("50667", "Köln"),
        ("20095", "Hamburg"),
        ("04109", "Leipzig"),
        ("70173", "Stuttgart"),
    ],
    "AT": [("1010", "Wien"), ("8010", "Graz"), ("5020", "Salzburg"), ("4020", "Linz")],
    "CH": [("8001", "Zürich"), ("3011", "Bern"), ("4051", "Basel")],
    "FR": [
        ("75011", "Paris"),
        ("69002", "Lyon"),
        ("13001", "Marseille"),
        ("31000", "Toulouse"),
        ("33000", "Bordeaux"),
        ("44000", "Nantes"),
    ],
    "BE": [("1000", "Bruxelles"), ("4000", "Liège"), ("5000", "Namur")],
    "GB": [
        ("SW1A 1AA", "London"),
        ("M1 1AE", "Manchester"),
        ("B1 1BB", "Birmingham"),
        ("LS1 4AP", "Leeds"),
        ("EH1 1YZ", "Edinburgh"),
    ],
    "IE": [("D02 X285", "Dublin"), ("T12 R2NC", "Cork")],
    "US": [
        ("NY 10001", "New York"),
        ("IL 60601", "Chicago"),
        ("CA 94103", "San Francisco"),
        ("TX 78701", "Austin"),
        ("MA 02108", "Boston"),
    ],
}
ITEMS = {
    "de": [
        "Brötchen",
        "Kaffee Crema",
        "Croissant",
        "Mineralwasser 0,5l",
        "Druckerpapier A4",
        "Toner schwarz",
        "Kugelschreiber (10 Stk.)",
        "Beratung",
        "Montage",
        "Anfahrt",
        "Übernachtung EZ",
        "Frühstück",
        "Parkgebühr",
        "Diesel",
        "Super E10",
        "Schrauben-Set",
        "Ordner breit",
        "Mittagsmenü",
        "Apfelschorle",
        "Wartung Heizung",
        "Fachbuch Steuerrecht",
        "USB-Stick 64 GB",
        "Reinigung",
        "Kopien s/w",
    ],
    "fr": [
        "Baguette tradition",
        "Café expresso",
        "Croissant au beurre",
        "Eau minérale 50cl",
        "Ramette papier A4",
        "Cartouche d'encre",
        "Stylos (lot de 10)",
        "Conseil",
        "Installation",
        "Déplacement",
        "Nuitée chambre simple",
        "Petit-déjeuner",
        "Stationnement",
        "Gazole",
        "Sans plomb 95",
        "Classeur",
        "Menu du jour",
        "Jus d'orange",
        "Entretien chaudière",
        "Livre de comptabilité",
        "Clé USB 64 Go",
        "Nettoyage",
        "Photocopies",
    ],
    "en": [
        "Bread roll",
        "Flat white",
        "Croissant",
        "Still water 500ml",
        "Copy paper A4",
        "Black toner",
        "Ballpoint pens (10)",
        "Consulting",
        "Installation",
        "Call-out charge",
        "Single room",
        "Breakfast",
        "Parking",
        "Diesel",
        "Unleaded",
        "Screw set",
        "Lever arch file",
        "Lunch menu",
        "Orange juice",
        "Boiler service",
        "Accounting handbook",
        "USB stick 64GB",
        "Cleaning",
        "Photocopies",
    ],
}


@dataclass(kw_only=True)
class Party:
    name: str
    street: str
    city: str
    country: str
    vat_id: str | None = None
    iban: str | None = None
    phone: str = ""


@dataclass(kw_only=True)
class Item:
    description: str
    quantity: float
    unit_price: float
    amount: float
    rate: float


@dataclass(kw_only=True)
class Content:
    """Everything a generated document says, and so the truth its extraction is scored against."""

    kind: str
    country: str
    language: str
    currency: str
    vendor: Party
    buyer: Party | None
    number: str
    po_number: str | None
    issued: date
    due: date | None
    items: list[Item]
    net: float
    tax: float
    total: float
    taxes: dict[float, tuple[float, float]] = field(default_factory=dict)
    """rate -> (net, tax)."""
    paid: float | None = None
    day_first: bool = True

    def truth(self) -> dict[str, object]:
        return {
            "vendor": self.vendor.name,
            "vendor_tax_id": self.vendor.vat_id,
            "date": self.issued.isoformat(),
            "due_date": self.due.isoformat() if self.due else None,
            "invoice_number": self.number,
            "po_number": self.po_number,
            "currency": self.currency,
            "total": self.total,
            "net": self.net,
            "tax": self.tax,
            "iban": self.vendor.iban,
            "line_items": [
                {"description": i.description, "quantity": i.quantity, "unit_price": i.unit_price, "amount": i.amount}
                for i in self.items
            ],
        }


def de_vat(rng: random.Random) -> str:
    body = [rng.randint(1, 9)] + [rng.randint(0, 9) for _ in range(7)]
    product = 10
    for digit in body:
        total = (digit + product) % 10 or 10
        product = (2 * total) % 11
    check = 11 - product
    return "DE" + "".join(map(str, body)) + str(0 if check == 10 else check)


def fr_vat(rng: random.Random) -> str:
    siren = rng.randint(100_000_000, 999_999_999)
    return f"FR{(12 + 3 * (siren % 97)) % 97:02d}{siren}"


def vat_for(country: str, rng: random.Random) -> str | None:
    if country == "DE":
        return de_vat(rng)
    if country == "FR":
        return fr_vat(rng)
    if country == "AT":
        digits = [rng.randint(0, 9) for _ in range(7)]
        total = sum(d if i % 2 == 0 else (d * 2 // 10 + d * 2 % 10) for i, d in enumerate(digits))
        return "ATU" + "".join(map(str, digits)) + str((96 - total) % 10)
    if country == "BE":
        first = rng.randint(1_000_000, 9_999_999)  # the leading 0 and seven digits, then the check
        return f"BE0{first}{97 - first % 97:02d}"
    if country == "GB":
        return "GB" + "".join(str(rng.randint(0, 9)) for _ in range(9))
    if country == "IE":
        return "IE" + "".join(str(rng.randint(0, 9)) for _ in range(7)) + rng.choice("ABCDEFGHW")
    if country == "CH":
        return "CHE" + "".join(str(rng.randint(0, 9)) for _ in range(9))
    return None


def iban_for(country: str, rng: random.Random) -> str | None:
    length = COUNTRIES[country]["iban_len"]
    if not length:
        return None
    bban = "".join(str(rng.randint(0, 9)) for _ in range(int(length) - 4))  # type: ignore[call-overload]
    digits = "".join(str(int(c, 36)) for c in bban + country + "00")
    return f"{country}{98 - int(digits) % 97:02d}{bban}"


def _vendor_name(language: str, rng: random.Random) -> str:
    first, second, forms = NAME_PARTS[language]
    form = rng.choice(forms)
    if language == "en" or rng.random() < 0.5:
        name = f"{rng.choice(first)} {rng.choice(second)}"
    else:
        name = f"{rng.choice(second)} {rng.choice(first)}"
    return f"{name} {form}".strip()


def party(country: str, rng: random.Random, *, vendor: bool) -> Party:
    language = str(COUNTRIES[country]["language"])
    postcode, city = rng.choice(CITIES[country])
    number = rng.randint(1, 180)
    street = rng.choice(STREETS[language])
    street_line = (
        f"{number}, {street}"
        if language == "fr"
        else (f"{number} {street}" if language == "en" else f"{street} {number}")
    )
    city_line = (
        f"{city}, {postcode}"
        if country == "US"
        else (f"{city} {postcode}" if country in ("GB", "IE") else f"{postcode} {city}")
    )
    return Party(
        name=_vendor_name(language, rng)
        if vendor
        else rng.choice(
            [
                "Acme Consulting GmbH",
                "Nordlicht Medien AG",
                "Dupont & Associés SARL",
                "Blue Harbour Ltd",
                "Müller Logistik GmbH",
                "Société Générale d'Études SA",
                "Greenway Partners LLC",
            ]
        ),
        street=street_line,
        city=city_line,
        country=country,
        vat_id=vat_for(country, rng) if vendor else None,
        iban=iban_for(country, rng) if vendor else None,
        phone=f"+{rng.randint(30, 49)} {rng.randint(20, 899)} {rng.randint(100000, 9999999)}",
    )


def number_for(kind: str, issued: date, rng: random.Random) -> str:
    y = issued.year
    shapes = [
        f"RE-{y}-{rng.randint(1, 9999):04d}",
        f"INV-{rng.randint(1000, 999999):06d}",
        f"F{y}/{rng.randint(1, 999):04d}",
        f"{y}-{rng.randint(1, 999):03d}",
        f"A-{rng.randint(10000, 99999)}",
        f"{rng.randint(100000, 9999999)}",
        f"{rng.randint(1, 9999):04d}/{y % 100:02d}",
        f"FA{rng.randint(100000, 999999)}",
        f"R{rng.randint(10000, 99999)}-{rng.randint(1, 99):02d}",
    ]
    if kind == "receipt":
        shapes = [
            f"{rng.randint(1000, 99999)}",
            f"{rng.randint(100, 9999)}-{rng.randint(10, 999)}",
            f"B{rng.randint(10000, 999999)}",
            f"{rng.randint(1, 99):02d}{rng.randint(1000, 9999)}",
        ]
    return rng.choice(shapes)


def content(
    rng: random.Random, *, kind: str, country: str | None = None, vendor: Party | None = None, items: int | None = None
) -> Content:
    """A random document's content (``vendor`` fixed for a vendor's series)."""
    country = country or (vendor.country if vendor else rng.choice(list(COUNTRIES)))
    spec = COUNTRIES[country]
    language = str(spec["language"])
    vendor = vendor or party(country, rng, vendor=True)
    issued = date(2025, 1, 1) + timedelta(days=rng.randint(0, 600))
    count = items if items is not None else (rng.randint(1, 7) if kind == "receipt" else rng.randint(1, 9))
    rates = list(spec["rates"])  # type: ignore[call-overload]
    lines: list[Item] = []
    for _ in range(count):
        quantity = float(rng.choice([1, 1, 1, 2, 3, 4, 10])) if kind == "invoice" or rng.random() < 0.3 else 1.0
        price = round(rng.uniform(0.8, 25) if kind == "receipt" else rng.uniform(5, 900), 2)
        rate = rates[0] if kind == "invoice" or rng.random() < 0.6 else rng.choice(rates)
        lines.append(
            Item(
                description=rng.choice(ITEMS[language]),
                quantity=quantity,
                unit_price=price,
                amount=round(quantity * price, 2),
                rate=rate,
            )
        )
    taxes: dict[float, tuple[float, float]] = {}
    if kind == "invoice":
        for line in lines:
            n, _ = taxes.get(line.rate, (0.0, 0.0))
            taxes[line.rate] = (round(n + line.amount, 2), 0.0)
        taxes = {r: (n, round(n * r / 100, 2)) for r, (n, _) in taxes.items()}
        net = round(sum(n for n, _ in taxes.values()), 2)
        tax = round(sum(t for _, t in taxes.values()), 2)
        total = round(net + tax, 2)
    else:
        for line in lines:
            g, _ = taxes.get(line.rate, (0.0, 0.0))
            taxes[line.rate] = (round(g + line.amount, 2), 0.0)
        taxes = {
            r: (round(g - round(g * r / (100 + r), 2), 2), round(g * r / (100 + r), 2)) for r, (g, _) in taxes.items()
        }
        total = round(sum(i.amount for i in lines), 2)
        tax = round(sum(t for _, t in taxes.values()), 2)
        net = round(total - tax, 2)
    paid = None
    if kind == "receipt" and rng.random() < 0.5:
        paid = float(max(5, int(total // 5 + 1) * 5)) if rng.random() < 0.6 else total
    return Content(
        kind=kind,
        country=country,
        language=language,
        currency=str(spec["currency"]),
        vendor=vendor,
        buyer=party(country, rng, vendor=False) if kind == "invoice" else None,
        number=number_for(kind, issued, rng),
        po_number=f"PO-{rng.randint(10000, 99999)}" if kind == "invoice" and rng.random() < 0.4 else None,
        issued=issued,
        due=issued + timedelta(days=rng.choice([14, 30, 30, 45])) if kind == "invoice" and rng.random() < 0.8 else None,
        items=lines,
        net=net,
        tax=tax,
        total=total,
        taxes=taxes,
        paid=paid,
        day_first=country != "US",
    )
