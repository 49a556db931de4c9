"""What a cluster run ships: each job names the shared history map instead of carrying a
copy, so a job's pickled size does not grow with the number of agents (issue 15 item 1).

A stand-in for ``distributed.Client`` runs the jobs in this process and weighs what
would cross the network; tests/test_dask.py runs a real LocalCluster end to end.
"""

import pickle
from datetime import date

import pytest

from books import closed, prospect, write_book
from dask_standin import StandInClient
from generator import build
from generator.history import open_store
from generator.settings import JobSettings

distributed = pytest.importorskip("distributed")

TODAY = date(2026, 11, 23)
BEFORE = date(2026, 10, 23)


class WeighingClient(StandInClient):
    """Records the pickled size of every job and every object scattered."""

    jobs: list[int] = []
    scattered_sizes: list[int] = []
    settings: list[int] = []

    def scattered(self, item):
        sizes = WeighingClient.settings if isinstance(item, JobSettings) else WeighingClient.scattered_sizes
        sizes.append(len(pickle.dumps(item)))

    def shipped(self, fn, job, shared_history, settings):
        WeighingClient.jobs.append(len(pickle.dumps((fn, job, shared_history and "ref", settings and "ref"))))


def _history(path, agents):
    """A store whose snapshot before TODAY holds ``agents`` agents of 40 clients each."""
    store = open_store(path)
    conn = store.conn
    conn.execute("INSERT INTO runs VALUES (?, ?, ?)", (BEFORE.isoformat(), "2026-10-23T10:00:00", 1))
    rows = [(BEFORE.isoformat(), f"A{1001 + a}", f"{a:06d}{c:014d}", "closed", "B", "维系", 1, 1000.0, 1.0)
            for a in range(agents) for c in range(40)]
    conn.executemany("INSERT INTO clients (run_date, agent_id, client_id, kind, grade, quadrant, policies, premium,"
                     " cve) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    store.close()
    return path


def _weigh(tmp_path, monkeypatch, agents):
    books = tmp_path / "books"
    books.mkdir(parents=True)
    write_book(books / "A1001_张三.xlsx", [closed()], [prospect()])
    write_book(books / "A1002_李雷.xlsx", [closed(投保人姓名="韩梅梅")], agent={"工号": "A1002", "姓名": "李雷"})
    db = _history(tmp_path / "pasture.db", agents)
    monkeypatch.setattr(distributed, "Client", WeighingClient)
    WeighingClient.jobs, WeighingClient.scattered_sizes, WeighingClient.settings = [], [], []
    result = build(books, tmp_path / "out", today=TODAY, history=db, scheduler="tcp://weighing:8786",
                   use_cache=False)
    return result, max(WeighingClient.jobs), max(WeighingClient.scattered_sizes)


def test_job_size_does_not_grow_with_the_number_of_agents(tmp_path, monkeypatch):
    small, job_10, shared_10 = _weigh(tmp_path / "a", monkeypatch, 10)
    large, job_200, shared_200 = _weigh(tmp_path / "b", monkeypatch, 200)
    assert shared_200 > 10 * shared_10 > 0  # the history itself does grow; it is sent once per worker
    assert job_200 <= job_10 + 64, (job_10, job_200)  # the job does not
    # The shared map really reaches the workers: both agents were compared with their last snapshot.
    for result in (small, large):
        assert [b.compared_with for b in result.agents] == [BEFORE, BEFORE]


def test_the_rules_travel_once_per_worker_not_in_every_job(tmp_path, monkeypatch):
    """A job is a file name and a number: the run's JobSettings (the rules, the 工号 that
    hand in workbooks) are scattered once, so they cannot grow every job with N."""
    _, job, _ = _weigh(tmp_path, monkeypatch, 10)
    assert WeighingClient.settings and min(WeighingClient.settings) > 5_000  # the rules are the bulk
    assert job < 2_000, job
    assert len(WeighingClient.settings) <= 2  # once per pass (the cross-check pass may redo books)
