"""The per-agent stage on a Dask cluster gives exactly the local build's outputs."""

import json

import pytest

distributed = pytest.importorskip("distributed")

from generator import build  # noqa: E402

from conftest import SAMPLE, TODAY, assert_same_workbook  # noqa: E402


@pytest.mark.slow  # a two-process LocalCluster: ~10 s
def test_local_cluster_equals_local_build(tmp_path, sample_build):
    from distributed import LocalCluster

    local, out = sample_build.result, sample_build.out  # built locally, jobs=2
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        remote = build(SAMPLE, tmp_path / "dask", today=TODAY, scheduler=cluster.scheduler_address)
    r1 = json.loads((out / "report.json").read_text(encoding="utf-8"))
    r2 = json.loads((tmp_path / "dask" / "report.json").read_text(encoding="utf-8"))
    assert r1 == r2
    assert [b.output for b in local.agents] == [b.output for b in remote.agents]
    for book in local.agents:
        if book.output:
            assert_same_workbook(out / book.output, tmp_path / "dask" / book.output)
