"""Rendering pages: the Jinja2 environment (templates compiled once), filters, and the headers
every page carries."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup
from starlette.responses import HTMLResponse

HERE = Path(__file__).parent
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


@dataclass(frozen=True)
class Asset:
    name: str
    body: bytes
    media_type: str
    version: str

    @property
    def url(self) -> str:
        return f"/static/{self.name}?v={self.version}"


def load_assets() -> dict[str, Asset]:
    assets = {}
    for name, media_type in (
        ("console.css", "text/css"),
        ("console.js", "text/javascript"),
        ("tasks.css", "text/css"),
        ("tasks.js", "text/javascript"),
    ):
        body = (HERE / "static" / name).read_bytes()
        assets[name] = Asset(name, body, f"{media_type}; charset=utf-8", hashlib.sha256(body).hexdigest()[:12])
    return assets


def when(ts: float | None) -> str:
    """UTC, to the second."""
    if ts is None:
        return "—"
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def iso(ts: float | None) -> str:
    if ts is None:
        return ""
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def time_tag(ts: float | None) -> Markup:
    """A ``<time>`` element (the script shows it in the reader's time zone)."""
    if ts is None:
        return Markup('<span class="faint">—</span>')
    return Markup('<time datetime="{}">{}</time>').format(iso(ts), when(ts))


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    seconds = max(0.0, seconds)
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, secs = divmod(int(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {secs} s"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes} min"
    return f"{hours // 24} d {hours % 24} h"


def pretty(value: Any) -> str:
    """JSON, indented, for people."""
    try:
        return orjson.dumps(value, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS).decode()
    except TypeError:
        return repr(value)


def compact(value: Any, limit: int = 120) -> str:
    text = orjson.dumps(value).decode() if not isinstance(value, str) else value
    return text if len(text) <= limit else text[: limit - 1] + "…"


def short_id(run_id: str) -> str:
    return run_id[-12:] if len(run_id) > 12 else run_id


def numbered(source: str) -> Markup:
    """Source text with each line wrapped for CSS line numbers."""
    line = Markup('<span class="ln">{}</span>')
    return Markup("").join(line.format(text or " ") for text in source.splitlines())


def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=select_autoescape(["html"], default_for_string=True),
        undefined=StrictUndefined,
        auto_reload=False,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        when=when,
        iso=iso,
        time=time_tag,
        duration=duration,
        pretty=pretty,
        compact=compact,
        short_id=short_id,
        numbered=numbered,
    )
    return env


class Renderer:
    """Renders templates to responses; owns the environment and the static assets."""

    def __init__(self) -> None:
        self.env = environment()
        self.assets = load_assets()
        self.env.globals["asset"] = lambda name: self.assets[name].url

    def html(self, template: str, context: dict[str, Any]) -> str:
        return self.env.get_template(template).render(context)

    def page(self, template: str, context: dict[str, Any], *, status: int = 200) -> HTMLResponse:
        return HTMLResponse(self.html(template, context), status_code=status, headers=SECURITY_HEADERS)
