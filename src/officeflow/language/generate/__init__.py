"""Seeded generators of training data for the language models: IT tickets and inbox e-mails."""

from officeflow.language.generate.emails import INTENTS, GeneratedEmail, generate_emails
from officeflow.language.generate.tickets import CATEGORIES, PRIORITIES, GeneratedTicket, generate_tickets

__all__ = [
    "CATEGORIES",
    "INTENTS",
    "PRIORITIES",
    "GeneratedEmail",
    "GeneratedTicket",
    "generate_emails",
    "generate_tickets",
]
