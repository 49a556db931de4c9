"""The README's two commands are the ones CI runs and the ones that work."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _fenced_commands(text: str) -> list[str]:
    return [block.strip() for block in re.findall(r"```bash\n(.*?)```", text, flags=re.S)]


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    commands = _fenced_commands(readme)
    test_cmd = next(c for c in commands if "pytest" in c)
    assert test_cmd in ci


def test_readme_main_command_builds_the_sample():
    commands = _fenced_commands((ROOT / "README.md").read_text(encoding="utf-8"))
    main = next(c for c in commands if "pasture build" in c)
    assert "sample_data/" in main and "pip install" in main and main.startswith("python3 -m venv")
