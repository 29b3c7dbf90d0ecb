"""``officeflow llm``: the tenants' token budget for llm steps."""

from __future__ import annotations

from typing import Any

import click
from rich.markup import escape

from officeflow.cli.common import Context, emit_json, option, out, pass_ctx, when
from officeflow.clock import iso
from officeflow.llm.budgets import MAX_TOKENS


@click.group()
def llm() -> None:
    """Language-model steps: the tenants' token budgets."""


@llm.group("budget")
def budget() -> None:
    """A tenant's token limit per window (its own, or OFFICEFLOW_LLM_TENANT_TOKENS) and its use."""


tenant_option = option(
    "--tenant", "tenant", env="TENANT", help="the tenant whose budget it is [default: the tenant acted in]"
)


def _limit(tokens: int | None) -> str:
    return "unlimited" if tokens is None else f"{tokens} tokens"


def _print(view: Any) -> None:
    where = "its own limit" if view.source == "tenant" else "the setting's limit, OFFICEFLOW_LLM_TENANT_TOKENS"
    out.print(f"tenant {escape(view.tenant)}: {_limit(view.tokens)} per {view.period} ({where})")
    if view.source == "tenant":
        out.print(
            f"  set {when(view.updated_at)} UTC by {escape(view.updated_by or '-')}; "
            f"the setting's: {_limit(view.default_tokens)}"
        )
    remaining = "unlimited" if view.remaining is None else str(view.remaining)
    out.print(
        f"  window {when(view.window_start)} to {when(view.window_end)} UTC: {view.used} used, "
        f"{view.reserved} reserved, {remaining} remaining, {view.calls} call(s)"
    )


@budget.command("show")
@tenant_option
@option("--json", "as_json", env="LLM_JSON", is_flag=True, help="print one JSON object")
@pass_ctx
def show_command(ctx: Context, tenant: str | None, as_json: bool) -> None:
    """Show the tenant's limit, where it comes from, and what the current window used."""
    view = ctx.office().llm_budgets.show(tenant or ctx.tenant)
    if as_json:
        data = view.as_dict()
        emit_json({**data, **{k: iso(data[k]) for k in ("window_start", "window_end", "updated_at")}})
    else:
        _print(view)


def _tokens(value: str) -> int | None:
    if value.strip().lower() == "default":
        return None
    try:
        tokens = int(value)
    except ValueError:
        tokens = 0
    if not 1 <= tokens <= MAX_TOKENS:
        raise click.BadParameter(
            f"{value!r} is neither a number of tokens (a whole number from 1 to {MAX_TOKENS}) nor 'default'",
            param_hint="TOKENS",
        )
    return tokens


@budget.command("set")
@click.argument("tokens", metavar="TOKENS|default")
@tenant_option
@pass_ctx
def set_command(ctx: Context, tokens: str, tenant: str | None) -> None:
    """Give the tenant a limit of its own, TOKENS per window, or with `default` send it back to
    the setting's (OFFICEFLOW_LLM_TENANT_TOKENS). Audited."""
    view = ctx.office().llm_budgets.set(tenant or ctx.tenant, _tokens(tokens), actor=ctx.actor)
    _print(view)
