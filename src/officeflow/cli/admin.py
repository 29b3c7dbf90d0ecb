"""``officeflow keys``, ``users``, ``api-keys`` and ``secrets``: bootstrap and administer security."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any, TypeVar

import click

from officeflow.cli.common import Context, emit_json, format_option, option, out, pass_ctx, table, when
from officeflow.durations import parse_duration
from officeflow.errors import ConfigurationError

F = TypeVar("F", bound=Callable[..., Any])


@click.group()
def keys() -> None:
    """The secret key that keys the audit log and stored secrets."""


@keys.command("generate")
def keys_generate() -> None:
    """Print a new random secret key (set it as OFFICEFLOW_SECRET_KEY in every process)."""
    from officeflow.security.keys import generate

    click.echo(generate())


@keys.command("rotate")
@format_option()
@pass_ctx
def keys_rotate(ctx: Context, fmt: str) -> None:
    """Move stored secrets and every tenant's audit log to the current OFFICEFLOW_SECRET_KEY.

    Run it once every process has the new key, with the old one in
    OFFICEFLOW_SECRET_KEYS_RETIRED. Each audit chain is verified (each entry under the key it was
    signed with) and signed again; a chain that does not verify is left as it was and reported
    (exit 1). Afterwards the retired keys can be removed."""
    from officeflow.security.rekey import rotate

    office = ctx.office()
    done = rotate(office.audit, office.secrets, actor=ctx.actor)
    if fmt == "json":
        emit_json(
            {
                "key": office.keyring.fingerprint,
                "retired": [k.fingerprint for k in office.keyring.retired],
                "secrets": done.secrets,
                "resigned": done.resigned,
                "refused": {t: {"kind": f.kind, "seq": f.seq, "detail": f.message} for t, f in done.refused.items()},
            }
        )
    else:
        if not office.keyring.retired:
            out.print("no retired keys are configured (OFFICEFLOW_SECRET_KEYS_RETIRED): everything was checked")
        out.print(f"key {office.keyring.fingerprint}: {done.secrets} stored secret(s) encrypted again")
        for tenant, count in done.resigned.items():
            out.print(f"audit log of tenant '{tenant}': {count} entries verified and signed again")
        for tenant, finding in done.refused.items():
            out.print(f"[red]audit log of tenant '{tenant}' left as it was[/]: {finding.message}")
    if done.refused:
        sys.exit(1)


def _roles_option() -> Callable[[F], F]:
    return option(
        "--role",
        "roles",
        env="ROLES",
        multiple=True,
        help="a role, or role:workflow (repeatable): admin, designer, operator, approver, submitter, auditor",
    )


@click.group()
def users() -> None:
    """People who log in (to the API and the web console)."""


@users.command("add")
@click.argument("username")
@_roles_option()
@option("--display-name", "display_name", env="DISPLAY_NAME")
@option("--email", "email", env="EMAIL")
@option(
    "--password-stdin/--no-password",
    "password_stdin",
    env="PASSWORD_STDIN",
    default=False,
    help="read the password from standard input (never from an argument)",
)
@pass_ctx
def users_add(
    ctx: Context,
    username: str,
    roles: tuple[str, ...],
    display_name: str | None,
    email: str | None,
    password_stdin: bool,
) -> None:
    """Create a user with roles."""
    password = sys.stdin.readline().rstrip("\n") if password_stdin else None
    user = ctx.office().accounts.create_user(
        ctx.tenant, username, password=password, display_name=display_name, email=email, grants=roles, actor=ctx.actor
    )
    out.print(f"user {user.username} ({user.id}) created with {', '.join(roles) or 'no roles'}")


@users.command("list")
@format_option()
@pass_ctx
def users_list(ctx: Context, fmt: str) -> None:
    accounts = ctx.office().accounts
    rows = [(u, [f"{g.role}:{g.scope}" for g in accounts.grants(ctx.tenant, u.id)]) for u in accounts.users(ctx.tenant)]
    if fmt == "json":
        emit_json([{"id": u.id, "username": u.username, "disabled": u.disabled, "grants": g} for u, g in rows])
        return
    table(
        None,
        ["user", "id", "roles", "disabled", "locked until"],
        [(u.username, u.id, ", ".join(g), u.disabled, when(u.locked_until)) for u, g in rows],
    )


@users.command("grant")
@click.argument("username")
@_roles_option()
@pass_ctx
def users_grant(ctx: Context, username: str, roles: tuple[str, ...]) -> None:
    """Replace a user's roles."""
    accounts = ctx.office().accounts
    user = accounts.user_named(ctx.tenant, username)
    if user is None:
        raise ConfigurationError(f"no user '{username}' in tenant '{ctx.tenant}'")
    accounts.set_grants(ctx.tenant, user.id, roles, actor=ctx.actor)
    out.print(f"{username}: {', '.join(roles) or 'no roles'}")


@click.group("api-keys")
def api_keys() -> None:
    """API keys for programs (shown once, stored hashed)."""


@api_keys.command("create")
@click.argument("name")
@_roles_option()
@option("--expires-in", "expires_in", env="EXPIRES_IN", help="e.g. 90d (default: never)")
@pass_ctx
def api_keys_create(ctx: Context, name: str, roles: tuple[str, ...], expires_in: str | None) -> None:
    """Create a key and print it (the only time it is shown)."""
    office = ctx.office()
    expires = office.now() + parse_duration(expires_in) if expires_in else None
    created = office.accounts.create_api_key(ctx.tenant, name, grants=roles, actor=ctx.actor, expires_at=expires)
    out.print(
        f"API key {created.row.id} ({name}, prefix {created.row.prefix}); store it now, it is not shown again:",
        style="bold",
    )
    click.echo(created.token)


@api_keys.command("list")
@format_option()
@pass_ctx
def api_keys_list(ctx: Context, fmt: str) -> None:
    rows = ctx.office().accounts.api_keys(ctx.tenant)
    if fmt == "json":
        emit_json(
            [
                {"id": k.id, "name": k.name, "prefix": k.prefix, "expires_at": k.expires_at, "revoked_at": k.revoked_at}
                for k in rows
            ]
        )
        return
    table(
        None,
        ["id", "name", "prefix", "created", "expires", "revoked"],
        [(k.id, k.name, k.prefix, when(k.created_at), when(k.expires_at), when(k.revoked_at)) for k in rows],
    )


@api_keys.command("revoke")
@click.argument("key_id")
@pass_ctx
def api_keys_revoke(ctx: Context, key_id: str) -> None:
    ctx.office().accounts.revoke_api_key(ctx.tenant, key_id, actor=ctx.actor)
    out.print(f"revoked {key_id}")


@click.group()
def secrets() -> None:
    """Secrets (webhook keys, credentials), stored encrypted; values are never shown."""


@secrets.command("set")
@click.argument("name")
@option("--description", "description", env="DESCRIPTION")
@pass_ctx
def secrets_set(ctx: Context, name: str, description: str | None) -> None:
    """Store a secret read from standard input."""
    value = sys.stdin.readline().rstrip("\n")
    if not value:
        raise ConfigurationError("no value on standard input")
    ctx.office().secrets.put(ctx.tenant, name, value, description=description, actor=ctx.actor)
    out.print(f"secret {name} stored")


@secrets.command("list")
@pass_ctx
def secrets_list(ctx: Context) -> None:
    entries = ctx.office().queries.secrets.entries(ctx.tenant)
    table(
        None,
        ["name", "description", "updated", "by"],
        [(e.name, e.description, when(e.updated_at), e.updated_by) for e in entries],
    )
