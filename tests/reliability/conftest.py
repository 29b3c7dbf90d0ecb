"""The private PostgreSQL cluster the reliability tests stop and restart (one for the session)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from .pgcluster import PrivateCluster, find_bin


@pytest.fixture(scope="session")
def cluster() -> Iterator[PrivateCluster]:
    """A running private cluster; a test that stops it starts it again before it ends."""
    bin_dir = find_bin()
    if bin_dir is None:
        message = "no PostgreSQL server binaries (/usr/lib/postgresql/*/bin, or OFFICEFLOW_TEST_PG_BIN)"
        if os.environ.get("CI") or os.environ.get("OFFICEFLOW_REQUIRE_COMPONENTS"):
            pytest.fail(f"{message}: CI and make test run the restart tests, never skip them")
        pytest.skip(message)
    made = PrivateCluster(bin_dir)
    try:
        made.start()
        yield made
    finally:
        made.remove()
