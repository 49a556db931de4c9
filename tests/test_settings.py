"""The one table of build settings (issue 16): CLI, library, job and cache key agree,
and the rules travel with the file they came from."""

from __future__ import annotations

import pickle
import re
from dataclasses import fields
from datetime import date
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from generator import build
from generator.cli import cli
from generator.models import AgentResult
from generator.rules import DEFAULT_RULES_PATH, load_rules
from generator.settings import SETTING, SETTINGS, BuildSettings, JobSettings

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sample_data"
TODAY = date(2026, 11, 23)
ONE_BOOK = SAMPLE / "A1001_罗然.xlsx"


def test_the_table_and_the_dataclass_name_the_same_settings_and_defaults():
    assert {f.name: f.default for f in fields(BuildSettings)} == {s.name: s.default for s in SETTINGS}
    assert all(s.help and re.search(r"[\u4e00-\u9fff]", s.help) for s in SETTINGS)  # Chinese help


def test_an_unknown_setting_is_refused_by_name(tmp_path):
    with pytest.raises(TypeError, match="no_such_thing"):
        build(ONE_BOOK, tmp_path / "out", today=TODAY, no_such_thing=True)
    assert not (tmp_path / "out").exists()  # refused before anything is written


def test_build_help_takes_its_words_from_the_table():
    text = CliRunner().invoke(cli, ["build", "--help"], terminal_width=400).output
    flat = re.sub(r"\s+", "", text)
    for name in ("days", "since", "site_project", "site_engine", "mask_agents", "scheduler", "use_cache",
                 "rules_path", "today", "jobs"):
        assert re.sub(r"\s+", "", SETTING[name].help) in flat, name


def test_cache_key_options_are_the_settings_marked_for_it():
    assert BuildSettings(days=30, jobs=4, site=True).cache_options() == {"days": 30}


def test_a_settings_object_and_keywords_build_the_same(tmp_path):
    a = build(ONE_BOOK, tmp_path / "a", BuildSettings(today=TODAY, history=False, days=30))
    b = build(ONE_BOOK, tmp_path / "b", today=TODAY, history=False, days=30)
    assert [r.kpis for r in a.agents] == [r.kpis for r in b.agents]
    assert a.agents[0].kpis["calendar"] != build(ONE_BOOK, tmp_path / "c", today=TODAY, history=False,
                                                 days=300).agents[0].kpis["calendar"]


def test_a_chunk_of_jobs_ships_the_shared_settings_once():
    """The pool pickles jobs in chunks: the rules travel once per chunk, not once per job."""
    from generator.pipeline import Job
    from generator.read import discover

    shared = JobSettings(load_rules(), TODAY, None)
    (source,) = discover(ONE_BOOK)
    one = len(pickle.dumps([Job(source, 0, shared)]))
    fifty = len(pickle.dumps([Job(source, i, shared) for i in range(50)]))
    assert len(pickle.dumps(shared)) > 5_000  # the rules are the bulk of a job
    assert fifty - one < 49 * 500  # each further job adds only its own source and index


def test_an_agent_result_holds_no_client_rows_unless_kept(tmp_path):
    (slim,) = build(ONE_BOOK, tmp_path / "a", today=TODAY, history=False).agents
    (kept,) = build(ONE_BOOK, tmp_path / "b", today=TODAY, history=False, keep_records=True).agents
    assert isinstance(slim, AgentResult) and slim.book is None and slim.status != "failed"
    with pytest.raises(AttributeError):
        slim.status = "ok"  # type: ignore[misc]  # frozen
    assert kept.book is not None and kept.kpis == slim.kpis
    clients = {r.get("holder_name") for r in kept.book.closed} - {None, slim.agent.name}
    text = repr(slim)
    assert clients and not any(name in text for name in clients)


@pytest.mark.slow
def test_rules_given_without_their_file_are_the_rules_the_site_shows(tmp_path):
    """A library caller passes a Rules object and no rules_path: the workbooks and the
    site's grading page both show those rules (they used to show the packaged file)."""
    data = yaml.safe_load(DEFAULT_RULES_PATH.read_text(encoding="utf-8"))
    data["actions"]["prospect"]["D"] = ["每月一次试探性联系"]
    rules_file = tmp_path / "mine.yaml"
    rules_file.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    rules = load_rules(rules_file)
    result = build(ONE_BOOK, tmp_path / "out", today=TODAY, rules=rules, site=True, history=False)
    assert result.site_issues == []
    html = (tmp_path / "out" / "site" / "course" / "grading.html").read_text(encoding="utf-8")
    assert "每月一次试探性联系" in html


@pytest.mark.slow
def test_a_site_project_s_rules_grade_the_workbooks_too(tmp_path):
    """`pasture new` projects name their rules.yaml; a build with that project and no
    --rules grades with it, so workbooks and pages agree."""
    result = CliRunner().invoke(cli, ["new", str(tmp_path / "proj")])
    assert result.exit_code == 0, result.output
    rules_file = tmp_path / "proj" / "rules.yaml"
    text = rules_file.read_text(encoding="utf-8")
    assert "主动拜访促成" in text
    rules_file.write_text(text.replace("主动拜访促成", "本周内上门拜访"), encoding="utf-8")
    out = tmp_path / "out"
    run = CliRunner().invoke(cli, ["build", str(ONE_BOOK), "--out", str(out), "--today", TODAY.isoformat(),
                                   "--site-project", str(tmp_path / "proj"), "--no-history", "--exit-zero"])
    assert run.exit_code == 0, run.output
    assert "本周内上门拜访" in (out / "site" / "course" / "grading.html").read_text(encoding="utf-8")
    import openpyxl

    (workbook,) = (out / "workbooks").glob("*.xlsx")
    cells = {str(c.value) for ws in openpyxl.load_workbook(workbook, read_only=True) for row in ws.iter_rows()
             for c in row if c.value}
    assert any("本周内上门拜访" in c for c in cells)
