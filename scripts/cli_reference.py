"""Write docs/cli.md from the commands' own --help (``make docs``); a test checks it is current."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from officeflow.cli import main

HEADER = """# CLI reference

Generated from `officeflow --help` by `make docs` (a test fails when this file is out of date).

Every option falls back to the environment variable shown with it, so a deployment can be
configured entirely through `OFFICEFLOW_*` variables. Exit codes: 0 success, 1 failure (a run
failed, a step could not be migrated, a line of a batch was refused), 2 usage error, 3 not found,
4 conflict, 5 invalid definition or input, 6 migration refused, 7 bad configuration, 8 timeout.
"""


def render() -> str:
    parts = [HEADER]

    def walk(command: click.Command, path: list[str], parent: click.Context | None) -> None:
        settings = {"terminal_width": 100, "max_content_width": 100, **command.context_settings}
        ctx = click.Context(command, info_name=path[-1], parent=parent, **settings)
        name = " ".join(path)
        parts.append(f"\n## `{name}`\n\n```text\n{command.get_help(ctx).rstrip()}\n```\n")
        if isinstance(command, click.Group):
            for sub_name in sorted(command.commands):
                walk(command.commands[sub_name], [*path, sub_name], ctx)

    walk(main, ["officeflow"], None)
    return "".join(parts)


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/cli.md")
    target.write_text(render())
    print(f"wrote {target}")
