"""The issue registry: stable codes, complete texts, and every code exercised by a test."""

import re
from pathlib import Path

import pytest

from generator.issues import ISSUE_TYPES, make_issue

TESTS = Path(__file__).resolve().parent


@pytest.mark.parametrize("code", sorted(ISSUE_TYPES))
def test_code_is_kebab_case_with_texts(code):
    t = ISSUE_TYPES[code]
    assert re.fullmatch(r"[a-z]+(-[a-z0-9]+)*", code)
    assert t.severity in ("error", "warning") and t.scope in ("file", "sheet", "row")
    assert t.title and t.message and t.hint
    issue = make_issue(code, column="列", value="值", detail="说明")
    assert "{" not in issue.message and "{" not in issue.hint


@pytest.mark.parametrize("code", sorted(ISSUE_TYPES))
def test_every_code_is_asserted_somewhere(code):
    """A code no test mentions is a code nobody checked the validator can produce."""
    mentions = [p.name for p in TESTS.rglob("*.py") if p.name != Path(__file__).name
                and f'"{code}"' in p.read_text(encoding="utf-8")]
    assert mentions, f"no test mentions {code}"


def test_summarise_keeps_file_and_sheet_issues_and_counts_exact():
    from generator.issues import MAX_ISSUES_PER_COLUMN, summarise

    issues = [make_issue("missing-column", sheet="成交客户", row=1, column="保单号")]
    issues += [make_issue("invalid-phone", sheet="成交客户", row=r, column="投保人电话") for r in (*range(2, 30), 40)]
    issues += [make_issue("invalid-phone", sheet="未成交客户", row=r, column="电话") for r in range(2, 5)]
    issues.append(make_issue("file-name-encoding", value="x.xlsx"))
    out = summarise(issues)
    phones = [i for i in out if i.sheet == "成交客户" and i.code == "invalid-phone"]
    assert len(phones) == MAX_ISSUES_PER_COLUMN + 1
    summary = phones[-1]
    assert summary.count == 9 and summary.rows == [[22, 29], [40, 40]] and summary.row is None
    assert "第 22–29、40 行" in summary.message and "投保人电话" in summary.message
    assert summary.hint == issues[1].hint
    assert sum(i.count for i in out) == len(issues)
    assert summarise(out) == out  # a summary is never folded again
