"""A seeded generator of receipts and invoices with their true fields, for evaluation and tests.

It lives in the package (not under tests/) because ``python -m officeflow.documents.evaluate``
and ``bench/documents.py`` use it, and because a user can measure the extractor on this
machine with it. Nothing in the extractor imports it.
"""
