"""The per-agent stage on a Dask cluster gives exactly the local build's outputs."""

import json
from datetime import date
from pathlib import Path

import openpyxl
import pytest

distributed = pytest.importorskip("distributed")

from generator import build  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
TODAY = date(2026, 11, 23)


def test_local_cluster_equals_local_build(tmp_path):
    from distributed import LocalCluster

    local = build(ROOT / "sample_data", tmp_path / "local", today=TODAY, jobs=1)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        remote = build(ROOT / "sample_data", tmp_path / "dask", today=TODAY, scheduler=cluster.scheduler_address)
    r1 = json.loads((tmp_path / "local" / "report.json").read_text(encoding="utf-8"))
    r2 = json.loads((tmp_path / "dask" / "report.json").read_text(encoding="utf-8"))
    assert r1 == r2
    assert [b.output for b in local.books] == [b.output for b in remote.books]
    for book in local.books:
        if not book.output:
            continue
        w1 = openpyxl.load_workbook(tmp_path / "local" / book.output)
        w2 = openpyxl.load_workbook(tmp_path / "dask" / book.output)
        for name in w1.sheetnames:
            assert list(w1[name].values) == list(w2[name].values)
