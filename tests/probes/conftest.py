"""Fixtures for the probe tests: real Kamailio and Unbound on loopback, started once per session."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Iterator
from typing import Any, TypeVar

import pytest

from advisor.kb.loader import KnowledgeBase
from advisor.probes.catalog import ProbeCatalog, load_catalog
from tests.probes.servers import Kamailio, Unbound, start_kamailio, start_unbound, stop

T = TypeVar("T")


@pytest.fixture(scope="session")
def kamailio(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Kamailio]:
    server = start_kamailio(tmp_path_factory.mktemp("kamailio"))
    yield server
    stop(server.proc)


@pytest.fixture(scope="session")
def unbound(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Unbound]:
    server = start_unbound(tmp_path_factory.mktemp("unbound"))
    yield server
    stop(server.proc)


@pytest.fixture(scope="session")
def catalog(kb: KnowledgeBase) -> ProbeCatalog:
    return load_catalog(kb)


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)
