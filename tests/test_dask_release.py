"""On a cluster a task's result stays in a worker's memory for as long as the client holds
its future; the pipeline drops each future once it has read it, so the workers hold a few
results at a time instead of the whole branch (memory flat in N, issue 15 item 1).

A stand-in for ``distributed.Client`` counts the futures still alive at each read;
bench/bench_cluster.py shows the same on a real LocalCluster (``results_held_peak``).
"""

import weakref
from datetime import date

import pytest

from books import AGENT, closed, prospect, write_book
from dask_standin import StandInClient
from generator import build

distributed = pytest.importorskip("distributed")

TODAY = date(2026, 11, 23)


class _Future:
    live: "weakref.WeakSet[_Future]" = weakref.WeakSet()
    alive_at_read: list[int] = []

    def __init__(self, value):
        self._value = value
        _Future.live.add(self)

    def result(self):
        _Future.alive_at_read.append(len(_Future.live))
        return self._value


class CountingClient(StandInClient):
    """Hands out futures that count how many of them are still alive at each read."""

    def future(self, value):
        return _Future(value)


def test_each_result_is_released_once_read(tmp_path, monkeypatch):
    books = tmp_path / "books"
    books.mkdir()
    for n, name in enumerate(["张三", "李雷", "王芳", "赵敏"]):
        agent = {**AGENT, "工号": f"A{1001 + n}", "姓名": name, "手机": f"1370000{n:04d}"}
        client = f"客户{n}"
        write_book(books / f"A{1001 + n}_{name}.xlsx",
                   [closed(投保人姓名=client, 被保人姓名=client, 投保人电话=f"1390000{n:04d}")],
                   [prospect(姓名=f"意向{n}", 电话=f"1380000{n:04d}")], agent=agent)
    monkeypatch.setattr(distributed, "Client", CountingClient)
    _Future.alive_at_read = []
    build(books, tmp_path / "out", today=TODAY, scheduler="tcp://counting:8786", use_cache=False)
    # Each read finds one future fewer alive: the ones read before were let go (4, 3, 2, 1),
    # never all four held to the end (4, 4, 4, 4).
    assert _Future.alive_at_read[:4] == [4, 3, 2, 1], _Future.alive_at_read
