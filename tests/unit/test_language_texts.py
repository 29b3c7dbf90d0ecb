"""What the language models read: items checked with precise errors, mail noise dropped."""

from __future__ import annotations

import pytest

from officeflow.language.errors import TextInputInvalid
from officeflow.language.texts import email_text, read_items, strip_mail_noise, ticket_text


def test_signature_forwarded_headers_and_disclaimers_are_dropped() -> None:
    text = (
        "-----Original Message-----\nFrom: Frank Miller <f@example.com>\nSent: Monday 09:14\nSubject: RE: wifi\n\n"
        "still the same problem in the canteen\nKind regards,\nFrank Miller\nT +49 30 1234\n"
        "This e-mail and any attachments are confidential."
    )
    assert strip_mail_noise(text) == "RE: wifi\nstill the same problem in the canteen"


def test_a_closing_word_inside_a_sentence_is_kept() -> None:
    assert strip_mail_noise("thanks, the printer is jammed again") == "thanks, the printer is jammed again"


def test_an_email_reads_subject_then_attachment_names_then_body() -> None:
    text = email_text({"subject": "Rechnung 45521", "body": "anbei", "attachments": ["RE_45521.pdf"]}, 0, [])
    assert text == "subject: Rechnung 45521\nattachments: RE 45521 pdf\nanbei"


def test_every_bad_item_and_field_is_named() -> None:
    with pytest.raises(TextInputInvalid) as caught:
        read_items([{"text": "ok"}, {"text": 5}, "plain string", {"subject": ""}], ticket_text)
    pointers = [p.pointer for p in caught.value.problems]
    assert pointers == ["/1/text", "/1/text", "/2", "/3/text"]
    assert "expected a string" in str(caught.value)


def test_email_attachments_must_be_file_names() -> None:
    with pytest.raises(TextInputInvalid) as caught:
        read_items([{"subject": "hi", "attachments": [1]}], email_text)
    assert caught.value.problems[0].pointer == "/0/attachments"
