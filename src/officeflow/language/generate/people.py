"""Who writes: names, departments, sites, and the signatures and mail noise around their words."""

from __future__ import annotations

import random

FIRST = (
    "Anna",
    "Ben",
    "Carla",
    "David",
    "Elif",
    "Frank",
    "Greta",
    "Hannah",
    "Ivan",
    "Julia",
    "Karim",
    "Laura",
    "Marco",
    "Nina",
    "Oliver",
    "Priya",
    "Quentin",
    "Rosa",
    "Stefan",
    "Tanja",
    "Uwe",
    "Vera",
    "Wei",
    "Yusuf",
    "Zoe",
    "Sophie",
    "Lukas",
    "Chloé",
    "Mehmet",
    "Aisha",
    "Pierre",
    "Ingrid",
    "Tom",
    "Jasmin",
    "Raj",
    "Emma",
    "Noah",
    "Léa",
    "Jonas",
    "Fatima",
    "Sven",
    "Marta",
    "Paolo",
    "Kateřina",
    "Olga",
    "Hugo",
    "Sara",
    "Mia",
)
LAST = (
    "Müller",
    "Schmidt",
    "Becker",
    "Novak",
    "Rossi",
    "Dubois",
    "Martin",
    "Kowalski",
    "Jensen",
    "Silva",
    "Yilmaz",
    "Nguyen",
    "Fischer",
    "Weber",
    "Hoffmann",
    "Lambert",
    "Moreau",
    "Garcia",
    "Brown",
    "Taylor",
    "O'Brien",
    "Keller",
    "Schulz",
    "Wagner",
    "Costa",
    "Lindqvist",
    "Petrov",
    "Okafor",
    "Haas",
    "Bauer",
)
DEPARTMENTS = (
    "Sales",
    "Accounts Payable",
    "Finance",
    "HR",
    "Marketing",
    "Logistics",
    "Customer Service",
    "Procurement",
    "Legal",
    "Engineering",
    "Warehouse",
    "Facilities",
    "Reception",
    "Controlling",
    "Payroll",
    "Design",
    "Operations",
    "Purchasing",
    "Quality",
    "R&D",
    "Front Desk",
    "Call Centre",
    "Buchhaltung",
    "Vertrieb",
)
SITES = (
    "2nd floor",
    "3rd floor",
    "ground floor",
    "4th floor",
    "building B",
    "the Lyon office",
    "the Hamburg branch",
    "the warehouse",
    "room 214",
    "the main office",
    "the Berlin office",
    "the annex",
    "the factory",
    "the Vienna office",
    "floor 5",
    "the front office",
    "the Leipzig site",
    "the training centre",
)
COMPANIES = (
    "Nordwind Logistik GmbH",
    "Alder & Finch Ltd",
    "Brightline Consulting",
    "Société Ducrocq SA",
    "Kessler Maschinenbau AG",
    "Harbor Foods Inc.",
    "Meridian Health",
    "Blue Fjord AS",
    "Contoso",
)
DISCLAIMERS = (
    "This e-mail and any attachments are confidential and intended solely for the addressee.",
    "Diese E-Mail enthält vertrauliche Informationen. Wenn Sie nicht der richtige Adressat sind, "
    "informieren Sie bitte sofort den Absender.",
    "Please consider the environment before printing this email.",
    "Ce message et toutes les pièces jointes sont confidentiels.",
)


def person(rng: random.Random) -> str:
    return f"{rng.choice(FIRST)} {rng.choice(LAST)}"


def phone(rng: random.Random) -> str:
    return rng.choice(("+49 30 ", "+33 1 ", "+44 20 ", "ext. ", "+43 1 ", "0171 ")) + str(rng.randint(1000, 99999))


def signature(rng: random.Random, name: str) -> str:
    """A sign-off, from a bare name to a full block with a disclaimer."""
    first = name.split(maxsplit=1)[0]
    shape = rng.random()
    if shape < 0.25:
        return rng.choice(("thanks", "thx", "ty", "cheers", "danke", "merci", "")) + (
            f" {first}" if rng.random() < 0.5 else ""
        )
    closing = rng.choice(
        (
            "Thanks",
            "Thank you",
            "Thanks in advance",
            "Best regards",
            "Kind regards",
            "Regards",
            "BR",
            "Best",
            "Many thanks",
            "Cheers",
            "Viele Grüße",
            "Mit freundlichen Grüßen",
            "Cordialement",
            "Bien à vous",
            "LG",
        )
    )
    if shape < 0.7:
        return f"{closing},\n{rng.choice((first, name))}"
    block = f"{closing},\n{name}\n{rng.choice(DEPARTMENTS)} | {rng.choice(COMPANIES)}\nT {phone(rng)}"
    if rng.random() < 0.4:
        block += "\n\n" + rng.choice(DISCLAIMERS)
    if rng.random() < 0.2:
        block = rng.choice(("Sent from my iPhone", "Von meinem iPhone gesendet", "Get Outlook for Android")) + (
            "\n" + block if rng.random() < 0.3 else ""
        )
    return block


def forwarded_header(rng: random.Random, subject: str) -> str:
    """The header block a mail client writes above a forwarded or replied-to message."""
    name = person(rng)
    address = name.lower().replace(" ", ".").replace("'", "").replace("é", "e").replace("ü", "ue") + "@example.com"
    day = rng.choice(("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Montag", "mardi"))
    if rng.random() < 0.5:
        return (
            f"-----Original Message-----\nFrom: {name} <{address}>\nSent: {day}, {rng.randint(1, 28)} "
            f"{rng.choice(('March', 'April', 'May', 'June', 'October'))} {rng.randint(7, 18)}:{rng.randint(10, 59)}\n"
            f"To: IT Service Desk\nSubject: {subject}\n"
        )
    return f"---------- Forwarded message ---------\nFrom: {name} <{address}>\nDate: {day}\nSubject: {subject}\n"
