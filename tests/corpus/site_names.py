"""Hostile names for the published site: everything an input can name, named to attack a page.

``make_site_corpus(dest)`` writes agent books whose agent, team and branch names, a survey
and a complaints log whose file names, and a rules file whose survey attributes, complaint
category and campaign name are Markdown/HTML attacks (attr_list, javascript: links,
external images, raw tags, a ``</title>`` breakout). It returns ``(input folder, rules
file)``. Kept apart from ``make_corpus.py`` (the reader's corpus) so both can grow on their
own. Run as a script to look at the files::

    python tests/corpus/site_names.py /tmp/site-corpus
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

from generator.rules import DEFAULT_RULES_PATH, load_rules
from generator.sample_branch import _write, complaint_rows, survey_rows
from generator.survey import COMPLAINTS_SHEET, SURVEY_SHEET

if __package__ in (None, ""):  # run as a script
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from make_corpus import TODAY, _book, agent, closed, prospect  # type: ignore[no-redef]
else:
    from .make_corpus import TODAY, _book, agent, closed, prospect

# Each is a class of attack on Markdown + HTML, not one example of it.
HOSTILE_NAMES = (
    "甲组 { onfocus=alert(1) autofocus }",
    "[点我](javascript:alert(2))",
    "![x](http://evil.example/x.png)",
    "<img src=x onerror=alert(3)>",
    "</title><script>alert(4)</script>",
    "<http://evil.example/autolink>",
    "乙组 {: onclick=\"alert(5)\" }",
    "*强* _斜_ `码` # | ~ \\ ^",
    "[引用][r]\n\n[r]: javascript:alert(6)",
    "http://evil.example/bare",
)
# Attribute values a page must never carry because of input.
EVIL_HOST = "evil.example"
# File names cannot hold "/", so the URL attacks lose their "//" here; the rest stay.
HOSTILE_FILES = {
    "survey": "满意度 { onfocus=alert(7) autofocus }.xlsx",
    "complaints": "[投诉](javascript:alert(8)).xlsx",
}


def hostile_rules(dest: Path) -> Path:
    """The default rules with hostile survey attributes, a complaint category and campaign name."""
    data = yaml.safe_load(DEFAULT_RULES_PATH.read_text(encoding="utf-8"))
    data["survey"]["attributes"] = [HOSTILE_NAMES[0], HOSTILE_NAMES[1], HOSTILE_NAMES[3], "理赔及时"]
    data["complaints"]["categories"][HOSTILE_NAMES[2]] = ["坏类别"]
    data["campaigns"][0]["name"] = HOSTILE_NAMES[4]
    path = dest / "hostile-rules.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    load_rules(path)  # must still be a valid rules file
    return path


def make_site_corpus(dest: Path) -> tuple[Path, Path]:
    """Write hostile agent books and branch files into ``dest/in``; returns (input, rules)."""
    dest = Path(dest)
    inputs = dest / "in"
    inputs.mkdir(parents=True, exist_ok=True)
    rules_path = hostile_rules(dest)
    rules = load_rules(rules_path)
    ids = []
    for i, name in enumerate(HOSTILE_NAMES):
        agent_id = f"S{9001 + i}"
        ids.append(agent_id)
        team = HOSTILE_NAMES[(i + 3) % len(HOSTILE_NAMES)]
        rows = [closed(9000 + 10 * i + k, 投保日期="2026-08-12", 险种="重疾险") for k in range(3)]
        _book(inputs / f"{agent_id}.xlsx", rows, [prospect(9500 + i)],
              kv=agent(agent_id, name, phone=f"1370000{9001 + i:04d}", 团队=team, 营业部=HOSTILE_NAMES[i % 3]))
    _write(inputs / HOSTILE_FILES["survey"], SURVEY_SHEET, survey_rows(rules, respondents=12, today=TODAY),
           TODAY, "满意度")
    complaints = complaint_rows(complaints=12, today=TODAY, agents=tuple(ids))
    for row in complaints[1::4]:
        row[2] = "坏类别"  # the hostile category, by its synonym
    _write(inputs / HOSTILE_FILES["complaints"], COMPLAINTS_SHEET, complaints, TODAY, "投诉")
    return inputs, rules_path


if __name__ == "__main__":
    print(make_site_corpus(Path(sys.argv[1])))
