"""Errors carry how they are answered: the HTTP status, the problem type and the exit code come
from the error's class (one lookup along the MRO, subclasses in other packages included), and
officeflow.edge.problems builds the whole answer from it. Also the one JSON-pointer helper."""

from __future__ import annotations

from typing import Any

import pytest

from officeflow.edge.problems import answer_for
from officeflow.errors import (
    ConfigurationError,
    Conflict,
    DecisionInvalid,
    DefinitionInvalid,
    DefinitionNotFound,
    DefinitionVersionExists,
    ExpressionError,
    IdempotencyConflict,
    InputInvalid,
    InvalidRunState,
    MigrationRefused,
    NonRetryableError,
    NotAllowed,
    OfficeflowError,
    Problem,
    ProblemType,
    RequestInvalid,
    SchemaOutOfDate,
    StoreUnavailable,
    TaskConflict,
)
from officeflow.ingest.files import AttachmentRefused
from officeflow.ingest.outcomes import BodyNotJSON, EventInvalid, EventTypeNotFound, SchemaIncompatible
from officeflow.jsonutil import child_pointer, json_pointer
from officeflow.queries.cursor import CursorInvalid
from officeflow.safeyaml import NotJSON
from officeflow.security.accounts import LoginFailed, WeakPassword
from officeflow.security.webhooks import SignatureInvalid, WebhookReplayed

WHERE = [Problem(pointer="/amount", message="must be positive", expected="minimum: 0"), Problem(message="odd")]


@pytest.mark.parametrize(
    ("error", "status", "slug", "title", "exit_code"),
    [
        (OfficeflowError("boom"), 400, "bad-request", "Bad request", 1),
        (ExpressionError("bad"), 400, "bad-request", "Bad request", 1),
        (SchemaOutOfDate(), 400, "bad-request", "Bad request", 1),
        (NonRetryableError("no"), 400, "bad-request", "Bad request", 1),
        (ConfigurationError("OFFICEFLOW_X is bad"), 500, "configuration", "The server is misconfigured", 7),
        (DefinitionInvalid(WHERE), 422, "invalid-definition", "The workflow definition is invalid", 5),
        (InputInvalid(WHERE), 422, "invalid-input", "The input does not match the schema", 5),
        (DecisionInvalid(WHERE), 422, "invalid-decision", "The decision is not valid", 1),
        (RequestInvalid(WHERE), 422, "validation", "The request is not valid", 5),
        (NotJSON(WHERE), 422, "validation", "The request is not valid", 5),
        (NotAllowed(), 403, "forbidden", "Forbidden", 1),
        (DefinitionNotFound(), 404, "not-found", "Not found", 3),
        (EventTypeNotFound(), 404, "not-found", "Not found", 3),
        (Conflict(), 409, "conflict", "Conflict", 4),
        (DefinitionVersionExists(), 409, "conflict", "Conflict", 4),
        (IdempotencyConflict(), 409, "idempotency-conflict", "The idempotency key names another request", 4),
        (InvalidRunState(), 409, "invalid-run-state", "The operation does not apply to the run in its state", 4),
        (TaskConflict(), 409, "task-conflict", "The task changed", 4),
        (MigrationRefused(["x"]), 409, "migration-refused", "The run cannot be migrated", 6),
        (StoreUnavailable(), 503, "store-unavailable", "The store is unavailable", 1),
        (EventInvalid(WHERE), 422, "invalid-event", "The event does not match its schema", 5),
        (SchemaIncompatible(["a"]), 409, "schema-incompatible", "The new schema would break existing producers", 4),
        (BodyNotJSON("not JSON"), 400, "bad-json", "The body is not JSON", 1),
        (AttachmentRefused("x"), 422, "attachment-refused", "The file was refused", 1),
        (LoginFailed(), 401, "login-failed", "Login failed", 1),
        (WeakPassword(), 422, "weak-password", "The password is too weak", 1),
        (SignatureInvalid(), 401, "signature-invalid", "Signature invalid", 1),
        (WebhookReplayed(), 409, "webhook-replayed", "Webhook replayed", 1),
        (CursorInvalid(), 400, "bad-cursor", "Bad cursor", 1),
    ],
)
def test_each_error_class_says_how_it_is_answered(
    error: OfficeflowError, status: int, slug: str, title: str, exit_code: int
) -> None:
    kind = type(error)
    assert (kind.http_status, kind.problem.slug, kind.problem.title, kind.exit_code) == (status, slug, title, exit_code)
    answer = answer_for(error, now=0.0)
    assert (answer.status, answer.slug, answer.title) == (status, slug, title)


def test_errors_with_problems_list_them_under_their_pointer_prefix() -> None:
    answer = answer_for(InputInvalid(WHERE, "the input is wrong"), now=0.0)
    assert answer.detail == "the input is wrong"
    assert answer.errors == [
        {"detail": "must be positive", "pointer": "/input/amount", "expected": "minimum: 0"},
        {"detail": "odd"},
    ]
    event = answer_for(EventInvalid([Problem(pointer="/", message="not an object")], "refused"), now=0.0)
    assert event.errors == [{"detail": "not an object", "pointer": "/data"}]
    assert answer_for(MigrationRefused(["step b is gone"]), now=0.0).errors == [{"detail": "step b is gone"}]
    assert answer_for(WeakPassword("too short"), now=0.0).errors == [{"detail": "too short", "pointer": "/password"}]


def test_a_server_error_hides_its_message() -> None:
    answer = answer_for(ConfigurationError("OFFICEFLOW_SECRET_KEY at /etc/x is unreadable"), now=0.0)
    assert answer.hidden
    assert answer.detail == "the server is misconfigured; see its log"
    assert "etc" not in repr(answer)


def test_retry_after_comes_from_the_error() -> None:
    locked = answer_for(LoginFailed("locked", locked_until=1000.0), now=900.5)
    assert locked.headers == {"Retry-After": "99"}
    assert answer_for(LoginFailed(), now=0.0).headers == {}
    assert answer_for(StoreUnavailable(), now=0.0).headers == {"Retry-After": "2"}


def test_a_subclass_defined_anywhere_inherits_the_nearest_answer() -> None:
    class Mine(DefinitionNotFound):
        """Mine is gone."""

    class Theirs(Conflict):
        """Taken."""

        problem = ProblemType("taken", "Taken")

    assert (Mine.http_status, Mine.problem.slug, Mine.exit_code) == (404, "not-found", 3)
    assert (Theirs.http_status, Theirs.problem.slug, Theirs.exit_code) == (409, "taken", 4)


@pytest.mark.parametrize(
    ("path", "pointer"),
    [
        ((), "/"),
        (("steps", "a", "next"), "/steps/a/next"),
        (("a/b", "c~d", 0), "/a~1b/c~0d/0"),
        (("~1",), "/~01"),
        ([1, "x"], "/1/x"),
    ],
)
def test_the_one_json_pointer_helper_escapes_as_rfc_6901_says(path: Any, pointer: str) -> None:
    assert json_pointer(path) == pointer


@pytest.mark.parametrize(
    ("parent", "key", "pointer"),
    [
        ("", "amount", "/amount"),
        ("/", "amount", "/amount"),
        ("/form", "a/b", "/form/a~1b"),
        ("/form/x~1y", "c~d", "/form/x~1y/c~0d"),
        ("/items", 3, "/items/3"),
    ],
)
def test_a_child_pointer_extends_its_parent_with_one_escaped_part(parent: str, key: object, pointer: str) -> None:
    assert child_pointer(parent, key) == pointer
