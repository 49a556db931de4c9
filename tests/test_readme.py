"""The README's two commands are the ones CI runs and the ones that work."""

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# What a fresh clone does not have: venvs, outputs, caches (copying them would hide a
# missing install step or a stale output).
NOT_IN_A_CLONE = shutil.ignore_patterns(
    ".git", ".venv", "venv", "out", "build", "__pycache__", "*.egg-info", ".pytest_cache", ".hypothesis",
    ".mypy_cache", ".ruff_cache", "test-artifacts", ".data", "_generated")


def _fenced_commands(text: str) -> list[str]:
    return [block.strip() for block in re.findall(r"```bash\n(.*?)```", text, flags=re.S)]


def _readme_command(word: str) -> str:
    return next(c for c in _fenced_commands((ROOT / "README.md").read_text(encoding="utf-8")) if word in c)


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert _readme_command("pytest") in ci


@pytest.mark.slow  # a fresh venv and `pip install` of the package: ~1 min with a warm pip cache
def test_readme_main_command_builds_the_sample(tmp_path, sample_build):
    command = _readme_command("pasture build")
    assert command.startswith("python3 -m venv") and "sample_data/" in command
    clone = tmp_path / "clone"
    shutil.copytree(ROOT, clone, ignore=NOT_IN_A_CLONE)
    # Not this test run's venv: the command must make and fill its own.
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME")}
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep)
                                  if not p.startswith(os.environ.get("VIRTUAL_ENV") or "\0"))
    done = subprocess.run(["bash", "-c", command], cwd=clone, env=env, capture_output=True, text=True,
                          timeout=1200, check=False)
    assert done.returncode == 0, (done.stdout[-3000:], done.stderr[-3000:])
    assert (clone / ".venv" / "bin" / "pasture").is_file()

    out = clone / "out"
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    shared = json.loads((sample_build.out / "report.json").read_text(encoding="utf-8"))
    assert len(report["files"]) == 12
    assert sorted(f["path"] for f in report["files"]) == sorted(f["path"] for f in shared["files"])
    assert report["exit_code"] == 1  # the sample's deliberate mistakes; --exit-zero made the command pass
    for f in report["files"]:
        if f["status"] != "failed":
            assert (out / f["workbook"]).is_file(), f["workbook"]
    assert len(list((out / "calendars").glob("*.ics"))) == sum(1 for f in report["files"] if f["status"] != "failed")
    assert (out / "branch.xlsx").is_file()
    # The [site] extra is installed, so the site is built too: the dashboards show every agent.
    assert (out / "site" / "index.html").is_file()
    assert len(list((out / "site" / "dashboards" / "agents").glob("*.html"))) == len(report["files"])
