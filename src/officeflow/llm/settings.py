"""The LLM endpoint's configuration: ``OFFICEFLOW_LLM_*`` environment variables, checked loudly.

The endpoint is the operator's choice, never a definition's: a workflow names a model at most.
The API key is not a setting: ``OFFICEFLOW_LLM_API_KEY_SECRET`` names a stored secret
(``officeflow secrets``), read when the client is built, so the key never sits in the environment
or in a definition.

=====================================  ==========================================================
``OFFICEFLOW_LLM_BASE_URL``            API root, e.g. ``https://api.openai.com/v1`` (unset: no LLM)
``OFFICEFLOW_LLM_MODEL``               default model name
``OFFICEFLOW_LLM_API_KEY_SECRET``      name of the secret that holds the API key (unset: no key)
``OFFICEFLOW_LLM_STRUCTURED_OUTPUT``   ``json_schema`` (OpenAI) or ``json_object`` (llama-cpp-python)
``OFFICEFLOW_LLM_TIMEOUT``             one attempt's time limit (duration, default 120s)
``OFFICEFLOW_LLM_CONNECT_TIMEOUT``     connection time limit (default 10s)
``OFFICEFLOW_LLM_MAX_ATTEMPTS``        attempts per call on 429/5xx/network errors (default 3)
``OFFICEFLOW_LLM_TENANT_TOKENS``       tokens a tenant may use per period (unset: unlimited)
``OFFICEFLOW_LLM_TOKEN_PERIOD``        the budget's window: a duration (default 1d, UTC days) or ``month``
=====================================  ==========================================================
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, Literal

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from officeflow.clock import Clock
from officeflow.durations import parse_duration
from officeflow.llm.budget import InMemoryTokenBudget
from officeflow.llm.client import DEFAULT_RETRY, Endpoint
from officeflow.llm.errors import LlmSettingsInvalid
from officeflow.security.secrets import NAME as SECRET_NAME

ENV_PREFIX = "OFFICEFLOW_LLM_"


class LlmSettings(BaseSettings):
    """The endpoint, its limits and the tenants' token budget (see the module docstring)."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore", validate_default=True)

    base_url: str | None = Field(None, pattern=r"^https?://", description="API root; unset: no LLM configured")
    model: str = Field("gpt-4o-mini", min_length=1, description="Default model name")
    api_key_secret: str | None = Field(None, pattern=SECRET_NAME.pattern, description="Secret holding the API key")
    structured_output: Literal["json_schema", "json_object"] = Field(
        "json_schema", description="Structured-output dialect"
    )
    timeout: float = Field(120.0, gt=0, description="One attempt's time limit")
    connect_timeout: float = Field(10.0, gt=0, description="Connection time limit")
    max_attempts: int = Field(3, ge=1, le=10, description="Attempts per call on 429, 5xx and network errors")
    tenant_tokens: int | None = Field(None, ge=1, description="Tokens a tenant may use per period; unset: unlimited")
    token_period: float | Literal["month"] = Field(
        86_400.0, description="The token budget's window: a duration (windows start at UTC midnight for 1d) or month"
    )

    @field_validator("timeout", "connect_timeout", mode="before")
    @classmethod
    def _duration(cls, value: Any) -> float:
        return parse_duration(value)

    @field_validator("token_period", mode="before")
    @classmethod
    def _period(cls, value: Any) -> float | str:
        if isinstance(value, str) and value.strip().lower() == "month":
            return "month"
        seconds = parse_duration(value)
        if seconds <= 0:
            raise ValueError("the token window must be positive")
        return seconds

    def endpoint(self, read_secret: Callable[[str], str]) -> Endpoint:
        """The :class:`Endpoint`; ``read_secret(name)`` returns a stored secret's value."""
        if not self.base_url:
            raise LlmSettingsInvalid(f"no LLM endpoint is configured: set {ENV_PREFIX}BASE_URL")
        key = None
        if self.api_key_secret:
            key = read_secret(self.api_key_secret).strip()
            if not key or not key.isascii() or not key.isprintable():
                raise LlmSettingsInvalid(
                    f"secret '{self.api_key_secret}' cannot be an API key: it is empty or not printable ASCII"
                )
        return Endpoint(
            base_url=self.base_url,
            model=self.model,
            api_key=key,
            structured_output=self.structured_output,
            timeout=self.timeout,
            connect_timeout=self.connect_timeout,
            retry=dataclasses.replace(DEFAULT_RETRY, max_attempts=self.max_attempts),
        )

    def token_budget(self, clock: Clock | None = None) -> InMemoryTokenBudget:
        """This process's budget: ``tenant_tokens`` per tenant per ``token_period``."""
        return InMemoryTokenBudget(default_limit=self.tenant_tokens, period=self.token_period, clock=clock)


def load_llm_settings(**overrides: Any) -> LlmSettings:
    """Settings from the environment with ``overrides`` (None values ignored) on top."""
    try:
        return LlmSettings(**{k: v for k, v in overrides.items() if v is not None})
    except ValidationError as exc:
        lines = []
        for err in exc.errors(include_url=False):
            name = ENV_PREFIX + "_".join(str(p) for p in err["loc"]).upper()
            lines.append(f"{name}={err.get('input')!r}: {err['msg'].removeprefix('Value error, ')}")
        raise LlmSettingsInvalid("bad LLM configuration: " + "; ".join(lines)) from None
