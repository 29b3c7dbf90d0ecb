"""Write docs/configuration.md from the Settings object (``make docs``); a test checks it is current."""

from __future__ import annotations

import sys
from pathlib import Path

from officeflow.settings import ENV_PREFIX, Settings

HEADER = """# Configuration

Generated from `officeflow.settings.Settings` by `make docs` (a test fails when this file is out of
date).

officeflow reads one typed settings object from the environment. A bad value stops the process
with a message that names the variable, the value and what was expected, for example
`OFFICEFLOW_WORKER_CONCURRENCY='lots': Input should be a valid integer`. Every CLI option falls
back to one of these variables (see [cli.md](cli.md)); durations accept `30s`, `10m`, `1h30m`,
`PT10M` or seconds.

| variable | default | meaning |
|---|---|---|
"""


def render() -> str:
    rows = []
    for name, field in Settings.model_fields.items():
        default = field.default
        shown = "" if default is None else f"`{default}`"
        rows.append(f"| `{ENV_PREFIX}{name.upper()}` | {shown} | {field.description or ''} |")
    return HEADER + "\n".join(rows) + "\n"


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/configuration.md")
    target.write_text(render())
    print(f"wrote {target}")
