"""Configuration: one typed object read from ``OFFICEFLOW_*`` environment variables.

A bad value fails loudly, naming the variable, the value and what was expected.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from officeflow.durations import parse_duration
from officeflow.errors import ConfigurationError
from officeflow.llm.settings import LlmSettings, load_llm_settings

ENV_PREFIX = "OFFICEFLOW_"


class Settings(BaseSettings):
    """Every setting, its environment variable (``OFFICEFLOW_`` + the upper-case name) and default."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore", validate_default=True)

    database_url: str = Field("sqlite:///officeflow.db", description="sqlite:///file.db or postgresql://...")
    app: str | None = Field(None, description="Modules with @handler functions and @step_kind classes, comma-separated")
    tenant: str = Field("default", pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$", description="Tenant the CLI acts in")
    actor: str | None = Field(None, description="Who the CLI acts as, recorded in history (default cli:<user>)")
    log_level: Literal["debug", "info", "warning", "error"] = Field("info", description="Log level")
    log_format: Literal["console", "json"] = Field("console", description="console for people, json for machines")
    sqlite_synchronous: Literal["NORMAL", "FULL", "EXTRA"] = Field(
        "NORMAL", description="NORMAL survives process crashes; FULL also power loss"
    )
    pool_size: int = Field(10, ge=1, le=500, description="PostgreSQL connections per process")
    worker_concurrency: int = Field(32, ge=1, le=4096, description="Steps one worker runs at once")
    worker_queues: str = Field("default", description="Queues a worker serves, comma-separated")
    worker_lease: float = Field(30.0, gt=0, description="Lease on a claimed step; recovered after it lapses")
    worker_poll: float = Field(1.0, gt=0, description="Fallback check for due work when no wake-up came")
    worker_grace: float = Field(30.0, ge=0, description="On stop, how long running steps may finish")
    model_drift_every: str = Field("1h", description="How often `serve` measures model drift (a duration; 0: never)")
    model_drift_window: str = Field("7d", description="Recorded predictions a drift measurement looks back over")
    model_drift_rows: int = Field(5000, ge=1, description="Most predictions (the latest) per version and measurement")
    model_drift_min_rows: int = Field(100, ge=1, description="Fewer predictions in the window: drift is not judged")
    model_drift_psi: str = Field("0.1,0.25", description="PSI thresholds (inputs, confidence): WARN,ALERT")
    model_drift_override: str = Field("0.15,0.3", description="Override-rate thresholds: WARN,ALERT")
    model_drift_notify: str = Field(
        "", description="Users or groups e-mailed on a drift alert, comma-separated (empty: the model's owner)"
    )
    secret_key: SecretStr | None = Field(
        None, description="32+ random bytes, base64: keys the audit log and stored secrets (required on PostgreSQL)"
    )
    secret_keys_retired: SecretStr | None = Field(
        None,
        description="Earlier secret keys, comma-separated: still read, never written with, while "
        "`officeflow keys rotate` moves the audit log and secrets to the current key",
    )
    api_host: str = Field("127.0.0.1", description="Address `officeflow serve` listens on")
    api_port: int = Field(8080, ge=1, le=65535, description="Port `officeflow serve` listens on")
    api_workers: int = Field(1, ge=1, le=64, description="API processes `officeflow serve` runs")
    api_background: bool = Field(
        True,
        description="Seal the audit log and fire schedules inside each API process (`officeflow serve` "
        "with several processes turns this off and runs that work once, in its supervising process)",
    )
    api_trusted_proxies: str = Field(
        "",
        description="Addresses of reverse proxies whose X-Forwarded-For/-Proto `serve` believes (comma-separated, "
        "or * for any); behind a TLS proxy this makes session cookies Secure",
    )
    api_max_body: int = Field(1_048_576, ge=1024, description="Largest request body (bytes) except file uploads")
    api_max_upload: int = Field(20 * 1_048_576, ge=1024, description="Largest file upload (bytes)")
    rate_limit_key: str = Field("200/s:400", description="Per API key or user: RATE/s[:BURST], or off")
    rate_limit_tenant: str = Field("2000/s:4000", description="Per tenant: RATE/s[:BURST], or off")
    rate_limit_login: str = Field("1/s:30", description="Sign-in attempts per client address: RATE/s[:BURST], or off")
    redis_url: str | None = Field(None, description="redis://... to keep rate limits in Redis")
    http_allow: str = Field(
        "", description="Private hosts, IPs or CIDRs the http step may reach anyway, comma-separated"
    )
    smtp_url: str | None = Field(
        None,
        pattern=r"^smtps?(\+starttls)?://",
        description="Where task e-mails go: smtp://host:port, smtp+starttls://user:pass@host:587 or smtps://...",
    )
    mail_from: str = Field("officeflow@localhost", description="Sender of task e-mails")
    notify: bool = Field(True, description="Send task notifications (e-mail, webhooks) from workers and `serve`")
    llm_base_url: str | None = Field(
        None, pattern=r"^https?://", description="OpenAI-compatible API root for llm steps; unset: no LLM"
    )
    llm_model: str = Field("gpt-4o-mini", min_length=1, description="Model llm steps use unless they name one")
    llm_api_key_secret: str | None = Field(
        None, description="Name of the stored secret (`officeflow secrets`) holding the LLM API key; unset: no key"
    )
    llm_structured_output: Literal["json_schema", "json_object"] = Field(
        "json_schema", description="How to ask for JSON: json_schema (OpenAI), json_object (llama-cpp-python)"
    )
    llm_timeout: float = Field(120.0, gt=0, description="Time limit of one LLM call attempt")
    llm_connect_timeout: float = Field(10.0, gt=0, description="Time limit to connect to the LLM endpoint")
    llm_max_attempts: int = Field(3, ge=1, le=10, description="Attempts per LLM call on 429, 5xx and network errors")
    llm_tenant_tokens: int | None = Field(
        None, ge=1, description="Tokens a tenant's llm steps may use per window (a tenant's own limit overrides it)"
    )
    llm_token_period: str = Field("1d", description="The token budget's window: a duration (1d: UTC days) or month")

    @field_validator("llm_token_period")
    @classmethod
    def _token_period(cls, value: str) -> str:
        if value.strip().lower() != "month" and parse_duration(value) <= 0:
            raise ValueError("the token window must be positive")
        return value

    @field_validator("worker_lease", "worker_poll", "worker_grace", "llm_timeout", "llm_connect_timeout", mode="before")
    @classmethod
    def _duration(cls, value: Any) -> float:
        return parse_duration(value)

    @field_validator("rate_limit_key", "rate_limit_tenant", "rate_limit_login")
    @classmethod
    def _rate(cls, value: str) -> str:
        parse_rate(value)
        return value

    @field_validator("sqlite_synchronous", mode="before")
    @classmethod
    def _upper(cls, value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value

    @field_validator("log_level", "log_format", mode="before")
    @classmethod
    def _lower(cls, value: Any) -> Any:
        return value.lower() if isinstance(value, str) else value

    def llm(self) -> LlmSettings:
        """The LLM endpoint and token budget (the ``llm_*`` settings) as the llm steps take them."""
        prefix = "llm_"
        return load_llm_settings(
            **{
                name.removeprefix(prefix): getattr(self, name)
                for name in type(self).model_fields
                if name.startswith(prefix)
            }
        )

    @property
    def apps(self) -> list[str]:
        return [m.strip() for m in (self.app or "").split(",") if m.strip()]

    @property
    def http_allowlist(self) -> list[str]:
        return [h.strip() for h in self.http_allow.split(",") if h.strip()]

    @property
    def queues(self) -> list[str]:
        return [q.strip() for q in self.worker_queues.split(",") if q.strip()] or ["default"]


def parse_rate(text: str) -> tuple[float, float] | None:
    """``"100/s:200"`` -> (100 per second, burst 200); ``"6000/m"`` -> (100, 100); ``"off"`` -> None."""
    value = text.strip().lower()
    if value in ("off", "none", "0"):
        return None
    rate_part, _, burst_part = value.partition(":")
    amount, _, unit = rate_part.partition("/")
    try:
        rate = float(amount) / {"s": 1.0, "m": 60.0, "h": 3600.0}[unit or "s"]
        burst = float(burst_part) if burst_part else max(1.0, rate)
    except (ValueError, KeyError):
        raise ValueError(f"{text!r} is not a rate; expected e.g. 100/s, 6000/m, 100/s:200 or off") from None
    if rate <= 0 or burst < 1:
        raise ValueError(f"{text!r}: the rate and the burst must be positive")
    return rate, burst


def load_settings(**overrides: Any) -> Settings:
    """Settings from the environment, with ``overrides`` (None values ignored) on top."""
    try:
        return Settings(**{k: v for k, v in overrides.items() if v is not None})
    except ValidationError as exc:
        lines = []
        for err in exc.errors(include_url=False):
            name = ENV_PREFIX + "_".join(str(p) for p in err["loc"]).upper()
            lines.append(f"{name}={err.get('input')!r}: {err['msg'].removeprefix('Value error, ')}")
        raise ConfigurationError("bad configuration: " + "; ".join(lines)) from None
