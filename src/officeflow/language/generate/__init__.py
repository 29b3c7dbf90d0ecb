"""Seeded generators of training data for the language models: IT tickets and inbox e-mails."""

from officeflow.language.generate.emails import INTENTS, GeneratedEmail, generate_emails
from officeflow.language.generate.tickets import CATEGORIES, GeneratedTicket, generate_tickets
from officeflow.language.priority import IMPACTS, PRIORITIES, URGENCIES

__all__ = [
    "CATEGORIES",
    "IMPACTS",
    "INTENTS",
    "PRIORITIES",
    "URGENCIES",
    "GeneratedEmail",
    "GeneratedTicket",
    "generate_emails",
    "generate_tickets",
]
