"""Output workbooks and calendars get their final names, in input order, in the main process.

Workers write to per-run temporary names (``.part-<run token>-<index>``); once every
book is in, :func:`place_workbooks` names each one (``<工号>_<姓名>.xlsx``, a clash gets a
numbered suffix and a warning), moves it there with an atomic rename and removes the
workbooks of agents no longer in the input.
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path
from typing import Any

from .cache import AgentCache
from .integrity import workbook_name
from .models import AgentResult
from .read import Source


def place_workbooks(results: list[AgentResult], sources: list[Source], workbooks: Path, cache: AgentCache | None,
                     keys: dict[int, str], reused: dict[int, str | None] | None = None, *,
                     token: str = "run") -> list[AgentResult]:
    """Give every workbook its final name, in input order, and drop stale ones; returns
    the results with their final paths (and any name-clash warning).

    Names are decided here, not in the workers, so a clash never depends on timing.
    Each move is an atomic rename: an old workbook is replaced whole or not at all.
    """
    used: dict[str, str] = {}
    moves: list[tuple[int, Path, str]] = []
    placed = list(results)
    for n, result in enumerate(placed):
        output = result.output
        if output:
            name, warnings = workbook_name(result.agent, used, source=result.source)
            warnings = [w for w in warnings if w not in result.issues]  # a cached result has them already
            if warnings:
                # Said in the report (and on the dashboards); the workbook was already written.
                placed[n] = result = _changed(result, issues=(*result.issues, *warnings),
                                              status="warnings" if result.status == "ok" else result.status)
            current = Path(output) if Path(output).is_absolute() else workbooks.parent / output
            moves.append((n, current, name))
    # A cached workbook may have to move onto a name another one still holds: park first.
    parked = []
    for m, (n, current, name) in enumerate(moves):
        if current != workbooks / name:
            park = workbooks / f".move-{token}-{m:06d}.xlsx"
            os.replace(current, park)
            parked.append((n, park, name))
        else:
            parked.append((n, current, name))
    calendars = workbooks.parent / "calendars"
    calendars.mkdir(exist_ok=True)
    for n, current, name in parked:
        if current != workbooks / name:
            os.replace(current, workbooks / name)
        ics_name = name[: -len(".xlsx")] + ".ics"
        calendar = placed[n].calendar_output
        if calendar and Path(calendar).is_absolute():
            os.replace(calendar, calendars / ics_name)
        placed[n] = _changed(placed[n], output=f"workbooks/{name}",
                             calendar_output=f"calendars/{ics_name}" if (calendars / ics_name).exists() else None)
    keep = {name.casefold() for _, _, name in moves}
    for folder, suffix in ((workbooks, ".xlsx"), (calendars, ".ics")):
        for stale in folder.glob(f"*{suffix}"):
            if stale.name.startswith("."):
                continue  # a temporary: swept under the lock at the start of a run, never here
            if stale.name[: -len(suffix)].casefold() + ".xlsx" not in keep:
                stale.unlink()  # an agent no longer in the input; these folders are ours alone
    if cache is not None:
        reused = reused or {}
        for i, (source, result) in enumerate(zip(sources, placed)):
            # A reused entry is written again only when its workbook's name changed.
            if i in keys and (i not in reused or reused[i] != result.output):
                cache.put(source, keys[i], result)
    return placed


def _changed(result: AgentResult, **changes: Any) -> AgentResult:
    """``result`` with ``changes``, mirrored on the book a records-keeping run holds."""
    if result.book is not None:
        for name, value in changes.items():
            setattr(result.book, name, list(value) if name == "issues" else value)
    return replace(result, **changes)
