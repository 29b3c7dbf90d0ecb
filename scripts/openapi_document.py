"""Write docs/openapi.json from the application (``make docs``); a test checks it is current."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import orjson


def render() -> bytes:
    from officeflow import Office
    from officeflow.asgi import create_app
    from officeflow.settings import load_settings

    with tempfile.TemporaryDirectory() as tmp:
        office = Office.open(f"sqlite:///{tmp}/openapi.db", migrate=True, secret_key="A" * 44)
        try:
            app = create_app(office, load_settings(), background=False)
            return orjson.dumps(app.openapi(), option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS) + b"\n"
        finally:
            office.close()


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/openapi.json")
    target.write_bytes(render())
    print(f"wrote {target}")
