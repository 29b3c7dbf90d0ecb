"""The public surface of officeflow.documents, pinned: what the document step and the task page use."""

from __future__ import annotations

import inspect

import officeflow.documents as documents


def test_the_exported_names_are_pinned() -> None:
    assert documents.__all__ == [
        "FIELD_NAMES", "Check", "DocumentError", "DocumentRefused", "DocumentUnreadable", "Extraction",
        "Extractor", "Field", "Limits", "LineItem", "Page", "VendorMemory", "Word", "extract", "from_dict", "to_dict",
    ]  # fmt: skip
    for name in documents.__all__:
        assert hasattr(documents, name)


def test_extract_takes_the_bytes_and_keyword_options() -> None:
    parameters = inspect.signature(documents.extract).parameters
    assert list(parameters) == ["data", "filename", "kind", "engine", "vendor_memory", "today", "limits"]
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for n, p in parameters.items() if n != "data")


def test_refusals_are_non_retryable_step_errors_with_a_reason() -> None:
    from officeflow.errors import NonRetryableError

    refused = documents.DocumentRefused("the PDF has JavaScript")
    assert isinstance(refused, NonRetryableError)
    assert refused.reason == "the PDF has JavaScript"
    assert str(refused) == "The document was refused: the PDF has JavaScript"
