"""The AgentResult boundary at its edges (issue 16): what the cache keeps of a result, old
cache entries, --no-cache, a site project whose config cannot be read, and validate
checking with the rules a build grades with."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from datetime import date
from pathlib import Path

import yaml
from click.testing import CliRunner

from generator.pipeline import build, validate
from generator.cli import cli
from generator.models import AgentResult
from generator.rules import DEFAULT_RULES_PATH

ROOT = Path(__file__).resolve().parent.parent
ONE_BOOK = ROOT / "sample_data" / "A1001_罗然.xlsx"
TODAY = date(2026, 11, 23)


def _books(tmp_path: Path) -> Path:
    books = tmp_path / "books"
    books.mkdir()
    shutil.copyfile(ONE_BOOK, books / ONE_BOOK.name)
    (books / "zz_broken.xlsx").write_bytes(b"PK\x03\x04 not really a zip")  # a failed result
    return books


def test_the_cache_keeps_a_result_whole_but_for_what_is_parked_elsewhere(tmp_path):
    result = build(_books(tmp_path), tmp_path / "out", today=TODAY, history=False)
    assert sorted(r.status for r in result.agents)[0] == "failed" and len(result.agents) == 2
    for agent in result.agents:
        data = json.loads(json.dumps(agent.to_json(), ensure_ascii=False, default=str))
        # Phones and history rows live in the branch index, timings only matter in the run.
        assert AgentResult.from_json(data) == replace(agent, timings={}), agent.source


def test_an_entry_in_the_old_layout_is_never_served(tmp_path):
    books, out = _books(tmp_path), tmp_path / "out"
    build(books, out, today=TODAY, history=False)
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    workbook = out / "workbooks" / "A1001_罗然.xlsx"
    entries = sorted((out / ".cache" / "agents").glob("*.json"))
    assert len(entries) == 2
    for entry in entries:  # as format 2 wrote them: a slim book under "book", same key
        data = json.loads(entry.read_text(encoding="utf-8"))
        entry.write_text(json.dumps({"key": data["key"], "book": {**data["result"], "extras": {}}},
                                    ensure_ascii=False), encoding="utf-8")
    workbook.write_bytes(b"stale")  # only a run that redoes the agent writes it again
    build(books, out, today=TODAY, history=False)
    assert workbook.read_bytes()[:2] == b"PK"
    assert json.loads((out / "report.json").read_text(encoding="utf-8"))["files"] == report["files"]
    assert all("result" in json.loads(e.read_text(encoding="utf-8")) for e in entries)


def test_no_cache_keeps_no_entries(tmp_path):
    args = [str(ONE_BOOK), "--today", TODAY.isoformat(), "--no-site", "--no-history", "--exit-zero", "--out"]
    assert CliRunner().invoke(cli, ["build", *args, str(tmp_path / "a"), "--no-cache"]).exit_code == 0
    assert (tmp_path / "a" / "workbooks" / "A1001_罗然.xlsx").is_file()
    assert not (tmp_path / "a" / ".cache" / "agents").exists()
    assert CliRunner().invoke(cli, ["build", *args, str(tmp_path / "b")]).exit_code == 0
    assert len(list((tmp_path / "b" / ".cache" / "agents").glob("*.json"))) == 1


def test_a_site_project_whose_config_cannot_be_read_still_gets_its_workbooks(tmp_path):
    project = tmp_path / "proj"
    project.mkdir()
    (project / "mkdocs.yml").write_text("site_name: 营业部\nnav: [\n", encoding="utf-8")
    out = tmp_path / "out"
    result = build(ONE_BOOK, out, today=TODAY, history=False, site=True, site_project=project)
    assert (out / "workbooks" / "A1001_罗然.xlsx").is_file() and (out / "report.json").is_file()
    assert any("mkdocs.yml" in i["message"] for i in result.site_issues)
    assert result.exit_code == 1  # a site that could not be built, not an internal error (4)


def test_validate_checks_with_the_rules_a_build_grades_with(tmp_path, monkeypatch):
    data = yaml.safe_load(DEFAULT_RULES_PATH.read_text(encoding="utf-8"))
    data["cadence"]["prospect_daily_quota"] += 2
    rules_file = tmp_path / "branch-rules.yaml"
    rules_file.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    default = validate(ONE_BOOK, today=TODAY).agents[0].kpis["quota"]
    monkeypatch.setenv("PASTURE_RULES", str(rules_file))
    (built,) = build(ONE_BOOK, tmp_path / "out", today=TODAY, history=False).agents
    (checked,) = validate(ONE_BOOK, today=TODAY).agents
    assert built.kpis["quota"] == checked.kpis["quota"] != default
    cli_json = CliRunner().invoke(cli, ["validate", str(ONE_BOOK), "--today", TODAY.isoformat(), "--json"])
    (entry,) = json.loads(cli_json.output)["files"]
    assert entry["kpis"]["quota"] == built.kpis["quota"]
