"""Document extraction: receipts and invoices (PDF, PNG, JPEG, TIFF, UBL/CII e-invoices) to fields.

``extract(data, filename=...)`` reads one document in a resource-limited child process and
returns an ``Extraction``: ``kind``, ``source``, ``pages`` (sizes and units, so boxes can be
scaled), ``fields`` (value, confidence, page, box, the rule behind it), ``line_items`` and the
consistency ``checks``. ``Extractor`` keeps the child for many documents. ``VendorMemory``
learns from a clerk's corrections where a vendor prints its fields. Hostile or oversize files
raise ``DocumentRefused``; malformed ones ``DocumentUnreadable``; both carry ``.reason``.
"""

from officeflow.documents.errors import DocumentError, DocumentRefused, DocumentUnreadable
from officeflow.documents.isolation import Extractor, extract
from officeflow.documents.limits import Limits
from officeflow.documents.memory import VendorMemory
from officeflow.documents.model import FIELD_NAMES, Check, Extraction, Field, LineItem, Page, Word
from officeflow.documents.serialise import from_dict, to_dict

__all__ = [
    "FIELD_NAMES",
    "Check",
    "DocumentError",
    "DocumentRefused",
    "DocumentUnreadable",
    "Extraction",
    "Extractor",
    "Field",
    "Limits",
    "LineItem",
    "Page",
    "VendorMemory",
    "Word",
    "extract",
    "from_dict",
    "to_dict",
]
