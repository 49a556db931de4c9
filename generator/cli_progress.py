"""Progress of a build on stderr: agents done / total, rate and time left, then each
step after the agents by name, so a long run never goes silent.

On a terminal it is a live rich display that disappears when the run ends; in a log
(a scheduled task, CI) it is a few plain lines: the start, every tenth of the agents,
and each step.
"""

from __future__ import annotations

import time
from typing import Any

from rich.console import Console

from .models import AgentResult

__all__ = ["BuildProgress"]


def _eta(seconds: float) -> str:
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds} 秒"
    if seconds < 3600:
        return f"{seconds // 60} 分 {seconds % 60} 秒"
    return f"{seconds // 3600} 小时 {seconds % 3600 // 60} 分"


class BuildProgress:
    """Callbacks for :func:`generator.pipeline.build`: ``start``, ``advance``, ``step``."""

    def __init__(self, console: Console, *, enabled: bool = True, live: bool | None = None) -> None:
        self.console = console
        self.enabled = enabled
        self.live = enabled and (console.is_terminal if live is None else live)
        self.total = self.done = 0
        self._clock = time.monotonic()
        self._next_line = 0
        self._bar: Any = None
        self._task: Any = None
        self._step: Any = None

    def __enter__(self) -> BuildProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None

    # -- callbacks ----------------------------------------------------------------------
    def start(self, total: int) -> None:
        self.total, self.done, self._clock = total, 0, time.monotonic()
        if not self.enabled:
            return
        if self.live:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn

            self._bar = Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                                 MofNCompleteColumn(), TextColumn("{task.fields[rate]}"),
                                 console=self.console, transient=True)
            self._bar.start()
            self._task = self._bar.add_task("代理人档案", total=total, rate="")
        else:
            self.console.print(f"开始处理 {total} 位代理人的档案")
            self._next_line = max(1, total // 10)

    def advance(self, result: AgentResult) -> None:
        self.done += 1
        if not self.enabled:
            return
        if self._bar is not None:
            self._bar.update(self._task, advance=1, rate=self.rate_text())
        elif self.done >= self._next_line or self.done == self.total:  # the rate only when printed
            self.console.print(f"代理人 {self.done}/{self.total}  {self.rate_text()}")
            self._next_line = self.done + max(1, self.total // 10)

    def step(self, name: str) -> None:
        """A step after (or between) the agents' stage, e.g. the branch-level checks."""
        if not self.enabled:
            return
        if self._bar is None:
            self.console.print(f"{name}…")
            return
        if self._step is not None:
            self._bar.update(self._step, total=1, completed=1)
        self._step = self._bar.add_task(name, total=None, rate="")

    # -- text -----------------------------------------------------------------------------
    def rate_text(self) -> str:
        """``3.2 个/秒，约剩 1 分 5 秒`` from the agents done so far."""
        elapsed = max(time.monotonic() - self._clock, 1e-6)
        rate = self.done / elapsed
        left = (self.total - self.done) / rate if rate > 0 else 0.0
        text = f"{rate:.1f} 个/秒" if rate >= 1 else f"每个 {elapsed / max(self.done, 1):.1f} 秒"
        return f"{text}，约剩 {_eta(left)}" if self.done < self.total else text
