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
