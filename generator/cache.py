"""Content-hash cache of per-agent results, so a rebuild redoes only changed books.

An agent's result is reused when the key matches: the bytes of every file of the
source, the rules, the run date, the build options and the code itself (a hash of the
package's files, so an upgrade never serves stale results). Entries are JSON — a
cache folder is data, never code to unpickle — under ``OUT/.cache/agents/``.

    >>> cache = AgentCache(Path("out"))                      # doctest: +SKIP
    >>> key = cache.key(source, rules, today, options={})     # doctest: +SKIP
    >>> cache.get(source, key) or run_it()                    # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import json
import os
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from .fsutil import atomic_write
from .models import AgentResult
from .read import Source
from .rules import Rules

FORMAT = 3  # 2: phones and history rows moved to the branch index; 3: AgentResult


@lru_cache(maxsize=1)
def code_hash() -> str:
    """Hash of the package's own files: any code or default-rules change invalidates."""
    h = hashlib.sha256()
    root = Path(__file__).resolve().parent
    for path in sorted(root.rglob("*")):
        if path.is_file() and path.suffix in (".py", ".yaml", ".yml") and "__pycache__" not in path.parts:
            h.update(path.relative_to(root).as_posix().encode())
            h.update(path.read_bytes())
    return h.hexdigest()


class AgentCache:
    """Per-source cache entries in ``OUT/.cache/agents/``."""

    def __init__(self, out_dir: Path) -> None:
        self.folder = Path(out_dir) / ".cache" / "agents"

    def key(self, source: Source, rules: Rules, today: date, options: dict[str, Any]) -> str:
        h = hashlib.sha256()
        h.update(f"{FORMAT}|{code_hash()}|{today.isoformat()}|".encode())
        h.update(json.dumps(options, sort_keys=True, default=str).encode())
        h.update(rules.model_dump_json().encode())
        h.update(source.display.encode())
        for path in source.files:
            h.update(os.fsencode(path.name))  # a name need not be UTF-8
            h.update(hashlib.sha256(path.read_bytes()).digest())
        return h.hexdigest()

    def _path(self, source: Source) -> Path:
        return self.folder / (hashlib.sha1(source.display.encode("utf-8")).hexdigest() + ".json")

    def get(self, source: Source, key: str) -> AgentResult | None:
        """The cached result, or None when absent, stale or unreadable."""
        try:
            data = json.loads(self._path(source).read_text(encoding="utf-8"))
            if data.get("key") != key:
                return None
            return AgentResult.from_json(data["result"])
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def put(self, source: Source, key: str, result: AgentResult) -> None:
        with atomic_write(self._path(source)) as tmp, tmp.open("w", encoding="utf-8") as fh:
            json.dump({"key": key, "result": result.to_json()}, fh, ensure_ascii=False, default=str)
