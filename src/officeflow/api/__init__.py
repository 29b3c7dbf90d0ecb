"""The HTTP API (FastAPI): routers per resource, the request gate, problem+json errors. The
application that serves it (with the console) is built in officeflow.asgi."""

from officeflow.api.app import install

__all__ = ["install"]
