"""Hostile documents the outside tests sent, built here so every layer's test sends the same."""

from __future__ import annotations

LEVELS = "abcdefghij"


def alias_bomb(levels: int = 7) -> str:
    """A YAML "billion laughs": ``levels`` anchors, each a list of 9 aliases of the one above,
    then a valid definition (the shape of the 361-byte one the outside tests sent). 7 levels are
    374 bytes and expand to 9**7 (4.8 million) strings; 9 levels, 460 bytes, to 387 million."""
    lines = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, levels):
        name, above = LEVELS[i], LEVELS[i - 1]
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{above}"] * 9) + "]")
    return "\n".join([*lines, "name: bomb", "version: 1", "steps: {s: {kind: end}}"]) + "\n"


def deep_yaml(depth: int = 10_000) -> str:
    """A definition whose steps are ``depth`` nested flow lists."""
    return "name: x\nversion: 1\nsteps: " + "[" * depth + "]" * depth


def deep_json(depth: int = 10_000) -> str:
    """A JSON value: ``depth`` nested lists."""
    return "[" * depth + "]" * depth
