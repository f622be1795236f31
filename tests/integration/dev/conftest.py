"""Local KVS servers started per test and stopped after it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from connect_transcribe_dev.kvs_server import LocalKvs


@pytest.fixture
def make_kvs() -> Iterator[Callable[..., LocalKvs]]:
    started: list[LocalKvs] = []

    def make(**options: Any) -> LocalKvs:
        options.setdefault("idle_close_s", 0.2)  # short, so reads to the end of a caught-up response are quick
        kvs = LocalKvs(**options).start()
        started.append(kvs)
        return kvs

    yield make
    for kvs in started:
        kvs.stop()


@pytest.fixture
def kvs(make_kvs: Callable[..., LocalKvs]) -> LocalKvs:
    return make_kvs()
