"""Identifiers: time-ordered UUIDs (version 7), so new rows land at the end of indexes."""

from __future__ import annotations

import os
import time


def uuid7() -> str:
    """A UUIDv7 string: 48 bits of Unix milliseconds, then 74 random bits."""
    ms = time.time_ns() // 1_000_000
    rand = int.from_bytes(os.urandom(10), "big")
    value = (ms & 0xFFFF_FFFF_FFFF) << 80
    value |= 0x7 << 76  # version
    value |= ((rand >> 62) & 0xFFF) << 64  # rand_a, 12 bits
    value |= 0b10 << 62  # variant
    value |= rand & ((1 << 62) - 1)  # rand_b, 62 bits
    text = f"{value:032x}"  # what str(uuid.UUID(int=value)) gives, without the object
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


def idempotency_key(run_id: str, step_id: str, iteration: int) -> str:
    """The stable key a step handler passes on to make its side effect idempotent."""
    return f"{run_id}:{step_id}:{iteration}"
