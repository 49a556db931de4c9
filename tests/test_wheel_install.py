"""A wheel-installed pasture works with no checkout around it (issue 17 item 3).

Builds a wheel from a clean copy of the repository, installs it with the [site] extra in a
fresh venv (pip's cache, no editable link), and from a folder far from any checkout runs
`pasture build` on the sample, `pasture new` and `pasture template`.
"""

import json
import os
import shutil
import subprocess
import sys
import zipfile

import pytest

from test_readme import NOT_IN_A_CLONE, ROOT

pytestmark = pytest.mark.slow  # a wheel build, a fresh venv and an install: ~1-2 min with a warm pip cache


def _run(args, cwd, timeout=1200):
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME")}
    done = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout, check=False)
    return done


def test_wheel_installs_and_builds_the_sample(tmp_path, sample_build):
    clone = tmp_path / "clone"
    shutil.copytree(ROOT, clone, ignore=NOT_IN_A_CLONE)
    # A stale preview page in the docs dir must not ship.
    (clone / "site" / "dashboards" / "agents").mkdir(parents=True, exist_ok=True)
    (clone / "site" / "dashboards" / "agents" / "old.md").write_text("# 旧页面\n", encoding="utf-8")
    wheels = tmp_path / "wheels"
    done = _run([sys.executable, "-m", "pip", "wheel", ".", "--no-deps", "-q", "-w", wheels], clone)
    assert done.returncode == 0, done.stderr[-3000:]
    (wheel,) = wheels.glob("pasture-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    project = "generator/site_project/"
    for part in ("mkdocs.yml", "hooks/pasture_hooks.py", "site/index.md", "site/course/grading.md",
                 "site/assets/pasture-dashboards.js", "site/assets/vendor/echarts.common.min.js"):
        assert project + part in names, part
    assert not any(n.startswith(project + "site/dashboards/agents/") for n in names)

    venv = tmp_path / "venv"
    assert _run([sys.executable, "-m", "venv", venv], tmp_path).returncode == 0
    done = _run([venv / "bin" / "pip", "install", "-q", f"{wheel}[site]"], tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    pasture = venv / "bin" / "pasture"

    # Far from the checkout: the package must bring its own site project.
    work = tmp_path / "elsewhere"
    work.mkdir()
    shutil.copytree(ROOT / "sample_data", work / "sample_data")
    done = _run([pasture, "build", "sample_data", "--out", "out", "--exit-zero"], work)
    assert done.returncode == 0, (done.stdout[-2000:], done.stderr[-3000:])
    out = work / "out"
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    shared = json.loads((sample_build.out / "report.json").read_text(encoding="utf-8"))
    assert sorted(f["path"] for f in report["files"]) == sorted(f["path"] for f in shared["files"])
    site = out / "site"
    assert (site / "course" / "grading.html").is_file()
    assert (site / "assets" / "pasture-dashboards.js").is_file()
    assert len(list((site / "dashboards" / "agents").glob("*.html"))) == len(report["files"])
    assert "old" not in {p.stem for p in (site / "dashboards" / "agents").glob("*.html")}
    # The installed package's modules were used, not this checkout's.
    done = _run([venv / "bin" / "python", "-c", "import generator; print(generator.__file__)"], work)
    assert str(venv) in done.stdout and str(ROOT) not in done.stdout

    done = _run([pasture, "new", "branch-site"], work)
    assert done.returncode == 0, done.stderr[-3000:]
    assert (work / "branch-site" / "mkdocs.yml").is_file()
    assert (work / "branch-site" / "site" / "course" / "grading.md").is_file()
    assert (work / "branch-site" / "rules.yaml").is_file()
    assert not (work / "branch-site" / "site" / "dashboards" / "agents").exists()

    done = _run([pasture, "build", "sample_data", "--out", "out2", "--exit-zero", "--site-project", "branch-site"],
                work)
    assert done.returncode == 0, (done.stdout[-2000:], done.stderr[-3000:])
    assert (work / "out2" / "site" / "course" / "grading.html").is_file()

    done = _run([pasture, "template", "--out", "模板.xlsx"], work)
    assert done.returncode == 0, done.stderr[-3000:]
    assert zipfile.is_zipfile(work / "模板.xlsx")
