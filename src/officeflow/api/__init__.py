"""The HTTP API (FastAPI): routers per resource, the request gate, problem+json errors."""

from officeflow.api.app import app_from_env, create_app

__all__ = ["app_from_env", "create_app"]
