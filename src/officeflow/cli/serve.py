"""``officeflow serve``: the HTTP API (uvicorn; several processes with --workers)."""

from __future__ import annotations

import errno
import os
import socket

import click

from officeflow.cli.common import Context, option, out, pass_ctx
from officeflow.errors import ConfigurationError
from officeflow.learning.drift import DriftMonitor, drift_settings


def _can_listen(host: str, port: int) -> None:
    """Refuse, before anything starts, an address that cannot be listened on (an unknown host, a
    port another process holds) with what to change; uvicorn would say it after starting up."""
    where = "(--host, OFFICEFLOW_API_HOST; --port, OFFICEFLOW_API_PORT)"
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except (socket.gaierror, UnicodeError) as exc:
        raise ConfigurationError(f"cannot listen on {host!r}: {getattr(exc, 'strerror', exc)} {where}") from None
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                message = f"port {port} on {host} is in use (another officeflow serve?): choose another port {where}"
            else:
                message = f"cannot listen on {host}:{port}: {exc.strerror} {where}"
            raise ConfigurationError(message) from None


@click.command()
@option("--host", "host", env="API_HOST", help="address to listen on [default: 127.0.0.1]")
@option("--port", "port", env="API_PORT", type=click.IntRange(1, 65535), help="port [default: 8080]")
@option(
    "--workers",
    "workers",
    env="API_WORKERS",
    type=click.IntRange(1, 64),
    help="API processes; with PostgreSQL they share one rate limit and never double-start [default: 1]",
)
@pass_ctx
def serve(ctx: Context, host: str | None, port: int | None, workers: int | None) -> None:
    """Serve the HTTP API.

    Audit sealing and schedules run once per serve: in the API process, or with several API
    processes in the supervising process, where they do not compete with requests."""
    import uvicorn

    from officeflow.background import Background
    from officeflow.office import Office

    settings = ctx.settings
    workers = workers or settings.api_workers
    background = settings.api_background and workers > 1
    if background:
        settings = settings.model_copy(update={"api_background": False})
    # The API processes read their configuration from the environment: hand ours on.
    for name, value in settings.model_dump().items():
        if value is None:
            continue
        text = value.get_secret_value() if hasattr(value, "get_secret_value") else str(value)
        os.environ[f"OFFICEFLOW_{name.upper()}"] = text
    host = host or settings.api_host
    port = port or settings.api_port
    _can_listen(host, port)
    out.print(f"serving the API on http://{host}:{port} ({workers} process(es)); docs at /docs")
    jobs = None
    if background:
        office = Office.from_settings(settings)
        drift = DriftMonitor(office.engine, office.events, drift_settings(settings))
        jobs = Background(office, low_priority=True, notifier=office.notifier(settings), drift=drift)
    if jobs is not None:
        jobs.start()
    try:
        uvicorn.run(
            "officeflow.asgi:app_from_env",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_level=settings.log_level,
            access_log=False,
            proxy_headers=bool(settings.api_trusted_proxies),
            forwarded_allow_ips=settings.api_trusted_proxies or None,
            server_header=False,
        )
    finally:
        if jobs is not None:
            jobs.stop()
            jobs.office.close()
