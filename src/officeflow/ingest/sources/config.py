"""The sources file (``sources.yaml``): which brokers and mailboxes feed which event types.

Each section (``nats``, ``mqtt``, ``smtp``) is one source or a list of them. The file is
validated as a whole before anything connects; every problem names its line and its field::

    sources.yaml:7:15: nats.routes[0].tenant: String should match pattern ... (got 'acme corp')
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, field_validator, model_validator

from officeflow.definitions.yamlsource import parse_yaml
from officeflow.durations import parse_duration
from officeflow.errors import ConfigurationError, ExpressionError
from officeflow.expressions import compile_expr
from officeflow.ingest import files
from officeflow.ingest.sources.routing import check_mqtt_filter, check_nats_subject
from officeflow.retry import RetryPolicy

EVENT_TYPE = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$"
TENANT = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$"
NAME = r"^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$"
MQTT_ID_VARIABLES = frozenset({"topic", "data"})
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmg]i?b?|b)?\s*$", re.I)
_SIZE_UNITS = {"": 1, "b": 1, "k": 1000, "kb": 1000, "m": 1000**2, "mb": 1000**2, "g": 1000**3, "gb": 1000**3}


def parse_size(value: object) -> int:
    """Bytes in ``value``: a number, or ``512k``, ``25MB``, ``20MiB``."""
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    match = _SIZE.match(value) if isinstance(value, str) else None
    if not match:
        raise ValueError(f"{value!r} is not a size; expected bytes or e.g. 512k, 25MB, 20MiB")
    unit = (match.group(2) or "").lower()
    if "i" in unit:
        factor = 1024 ** (" kmg".index(unit[0]))
    else:
        factor = _SIZE_UNITS[unit]
    return int(float(match.group(1)) * factor)


Seconds = Annotated[float, BeforeValidator(parse_duration)]
Size = Annotated[int, BeforeValidator(parse_size)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Retry(_Model):
    """How long to wait before delivering again after a transient failure (the database down)."""

    initial_delay: Seconds = Field(1.0, gt=0, description="the wait after the first failure")
    max_delay: Seconds = Field(60.0, gt=0, description="the longest wait, however many failures")

    def policy(self) -> RetryPolicy:
        return RetryPolicy(
            max_attempts=1_000_000, initial_delay=self.initial_delay, max_delay=self.max_delay, jitter=0.2
        )


class NatsRoute(_Model):
    subject: str = Field(description="a subject filter: `*` is one token, `>` (last) the rest")
    type: str = Field(pattern=EVENT_TYPE, description="the event type its messages are")
    tenant: str = Field("default", pattern=TENANT)

    @field_validator("subject")
    @classmethod
    def _subject(cls, value: str) -> str:
        return check_nats_subject(value)


class NatsConfig(_Model):
    """A durable pull consumer on a JetStream stream."""

    name: str = Field("nats", pattern=NAME, description="names the source in logs and stats")
    url: str = Field("nats://127.0.0.1:4222", description="server URL(s), comma-separated")
    credentials: Path | None = Field(None, description="a .creds file (NATS decentralised auth)")
    connect_timeout: Seconds = Field(15.0, gt=0, description="at start, give up connecting after this long")
    stream: str = Field(pattern=r"^[^.*>\s]+$", description="the stream to consume (it must exist)")
    durable: str = Field(pattern=r"^[^.*>\s]+$", description="the durable consumer's name, shared by all ingesters")
    filter_subject: str | None = Field(None, description="only this part of the stream (default: all of it)")
    ack_wait: Seconds = Field(30.0, gt=0, description="unacknowledged for this long: delivered again")
    max_deliver: int = Field(-1, ge=-1, description="deliveries per message at most; -1: no limit")
    batch: int = Field(64, ge=1, le=1024, description="messages in hand (fetched, being ingested) at most")
    retry: Retry = Field(default_factory=Retry)
    routes: list[NatsRoute] = Field(min_length=1)

    @field_validator("filter_subject")
    @classmethod
    def _filter(cls, value: str | None) -> str | None:
        return None if value is None else check_nats_subject(value)

    @property
    def servers(self) -> list[str]:
        return [u.strip() for u in self.url.split(",") if u.strip()]


class MqttRoute(_Model):
    topic: str = Field(description="a topic filter: `+` is one level, `#` (last) any number")
    type: str = Field(pattern=EVENT_TYPE)
    tenant: str = Field("default", pattern=TENANT)
    event_id: str | None = Field(
        None, description="CEL over `topic` and `data` giving the event id (default: SHA-256 of topic and payload)"
    )

    @field_validator("topic")
    @classmethod
    def _topic(cls, value: str) -> str:
        return check_mqtt_filter(value)

    @field_validator("event_id")
    @classmethod
    def _event_id(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            expr = compile_expr(value)
        except ExpressionError as exc:
            raise ValueError(exc.message) from None
        unknown = expr.variables - MQTT_ID_VARIABLES
        if unknown:
            raise ValueError(f"`{value}` reads {', '.join(sorted(unknown))}; it sees only `topic` and `data`")
        return value


class MqttConfig(_Model):
    """An MQTT 5 client with a persistent session, subscribed at QoS 1."""

    name: str = Field("mqtt", pattern=NAME)
    host: str = "127.0.0.1"
    port: int = Field(1883, ge=1, le=65535)
    client_id: str = Field(min_length=1, max_length=128, description="stable: it names the session on the broker")
    username: str | None = None
    password_env: str | None = Field(None, description="the environment variable holding the password")
    session_expiry: Seconds = Field(86400.0, ge=0, description="how long the broker keeps the session while away")
    shared_group: str | None = Field(
        None, pattern=r"^[^/+#\s]+$", description="subscribe as `$share/<group>/...`: processes share the load"
    )
    receive_maximum: int = Field(32, ge=1, le=65535, description="unacknowledged messages in flight at most")
    keepalive: int = Field(30, ge=5, le=3600)
    connect_timeout: Seconds = Field(15.0, gt=0, description="at start, give up subscribing after this long")
    retry: Retry = Field(default_factory=Retry)
    routes: list[MqttRoute] = Field(min_length=1)


class Recipient(_Model):
    tenant: str = Field("default", pattern=TENANT)
    type: str = Field(pattern=EVENT_TYPE)


class SmtpConfig(_Model):
    """An SMTP receiver: each accepted message is an event of its recipient's type."""

    name: str = Field("smtp", pattern=NAME)
    host: str = Field("127.0.0.1", description="address to listen on (put a real MTA in front on the internet)")
    port: int = Field(2525, ge=0, le=65535, description="0: any free port")
    hostname: str = Field("officeflow", description="the name in the greeting")
    max_message_size: Size = Field(25 * 1024 * 1024, description="larger messages are refused with 552")
    max_attachment_size: Size = Field(files.MAX_SIZE, description="larger attachments refuse the message")
    max_attachments: int = Field(100, ge=1, le=10_000, description="more attachments refuse the message with 552")
    max_text: int = Field(100_000, ge=0, description="characters of body text kept in the event")
    recipients: dict[str, Recipient] = Field(min_length=1, description="address -> tenant and event type")

    @field_validator("recipients")
    @classmethod
    def _addresses(cls, value: dict[str, Recipient]) -> dict[str, Recipient]:
        out: dict[str, Recipient] = {}
        for address, recipient in value.items():
            key = address.strip().lower()
            if not re.fullmatch(r"[^@\s<>]+@[^@\s<>]+", key):
                raise ValueError(f"{address!r} is not an e-mail address (expected e.g. receipts@acme.example)")
            if key in out:
                raise ValueError(f"{address!r} is listed twice")
            out[key] = recipient
        return out


class SourcesConfig(_Model):
    nats: list[NatsConfig] = Field(default_factory=list)
    mqtt: list[MqttConfig] = Field(default_factory=list)
    smtp: list[SmtpConfig] = Field(default_factory=list)

    @model_validator(mode="after")
    def _names(self) -> SourcesConfig:
        if not self.all:
            raise ValueError("no source configured; expected a `nats`, `mqtt` or `smtp` section")
        seen: set[str] = set()
        for source in self.all:
            if source.name in seen:
                raise ValueError(f"two sources are named '{source.name}'; give each a distinct `name`")
            seen.add(source.name)
        return self

    @property
    def all(self) -> list[NatsConfig | MqttConfig | SmtpConfig]:
        return [*self.nats, *self.mqtt, *self.smtp]


SECTIONS = ("nats", "mqtt", "smtp")


def parse_config(data: Any, *, file: str = "<config>", positions: Any = None) -> SourcesConfig:
    """Validate sources given as data (what the YAML file holds); ConfigurationError lists each problem."""
    if not isinstance(data, dict):
        raise ConfigurationError(f"{file}: expected a mapping with `nats`, `mqtt` or `smtp` sections")
    single: set[str] = set()
    normal = dict(data)
    for section in SECTIONS:
        if isinstance(normal.get(section), dict):
            single.add(section)
            normal[section] = [normal[section]]
    try:
        return SourcesConfig.model_validate(normal)
    except ValidationError as exc:
        found: list[tuple[tuple[int, int], str]] = []
        for error in exc.errors(include_url=False):
            loc = list(error["loc"])
            if loc and loc[0] in single and len(loc) > 1 and loc[1] == 0:
                del loc[1]
            where = _dotted(loc) or "(top level)"
            place, position = file, (0, 0)
            if positions is not None:
                position = positions.find(tuple(loc), key=error["type"] == "extra_forbidden") or position
                if position != (0, 0):
                    place = f"{file}:{position[0]}:{position[1]}"
            message = error["msg"].removeprefix("Value error, ")
            if error["type"] == "extra_forbidden":
                message = "unknown field" + _allowed(loc)
            elif error["type"] != "missing" and not isinstance(error.get("input"), dict | list):
                got = repr(error.get("input"))
                if got not in message:
                    message += f" (got {got})"
            found.append((position, f"{place}: {where}: {message}"))
        lines = [line for _, line in sorted(found, key=lambda item: item[0])]
        raise ConfigurationError("bad sources configuration:\n  " + "\n  ".join(lines)) from None


def load_config(path: str | Path) -> SourcesConfig:
    """Read and validate a sources YAML file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigurationError(f"cannot read the sources file {path}: {exc.strerror}") from None
    data, positions, problems = parse_yaml(text, str(path))
    if problems:
        raise ConfigurationError("bad sources configuration:\n  " + "\n  ".join(str(p) for p in problems))
    return parse_config(data, file=str(path), positions=positions)


def _dotted(loc: list[Any]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", str(part)):
            out += f".{part}" if out else str(part)
        else:
            out += f"[{str(part)!r}]"
    return out


def _allowed(loc: list[Any]) -> str:
    """'; expected one of: ...' naming the fields of the model that holds ``loc``'s last key."""
    model: Any = SourcesConfig
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(part) if isinstance(model, type) and issubclass(model, BaseModel) else None
        if field is None:
            return ""
        model = _inner(field.annotation)
    if isinstance(model, type) and issubclass(model, BaseModel):
        return "; expected one of: " + ", ".join(model.model_fields)
    return ""


def _inner(annotation: Any) -> Any:
    """The model inside ``list[M]``, ``dict[str, M]`` or ``M | None``."""
    for arg in reversed(getattr(annotation, "__args__", ()) or ()):
        if isinstance(arg, type) and issubclass(arg, BaseModel):
            return arg
    return annotation
