"""Why a document was not read: refused as hostile or too large, or unreadable as malformed.

::

    OfficeflowError
    └── DocumentError            the document was not read (.reason says why)
        ├── DocumentRefused      hostile or beyond a limit: active content, a decompression bomb,
        │                        XML with a DTD or entities, too many pixels, pages or bytes,
        │                        more memory or time than the child process may have
        └── DocumentUnreadable   malformed or of a type that is not read (not a PDF, image or e-invoice)
"""

from __future__ import annotations

from officeflow.errors import NonRetryableError


class DocumentError(NonRetryableError):
    """The document was not read."""

    kind = "error"

    def __init__(self, reason: str) -> None:
        self.reason = reason
        head = (type(self).__doc__ or "").strip().splitlines()[0].rstrip(".")
        super().__init__(f"{head}: {reason}")


class DocumentRefused(DocumentError):
    """The document was refused."""

    kind = "refused"


class DocumentUnreadable(DocumentError):
    """The document cannot be read."""

    kind = "unreadable"


def error_of_kind(kind: str, reason: str) -> DocumentError:
    """The error a child process reported by kind (``refused`` or ``unreadable``)."""
    return DocumentRefused(reason) if kind == "refused" else DocumentUnreadable(reason)
