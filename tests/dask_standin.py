"""A stand-in for ``distributed.Client`` as ``pipeline._run_on_dask`` uses it: the jobs run
in this process, and subclasses weigh or count what a real cluster would ship."""

from __future__ import annotations

from typing import Any


class Ref:
    """What ``scatter`` hands back: a name for data already on the workers."""

    def __init__(self, data: Any) -> None:
        self.data = data


class StandInClient:
    def __init__(self, address: str) -> None:
        self.address = address

    def __enter__(self) -> StandInClient:
        return self

    def __exit__(self, *exc: Any) -> bool:
        return False

    def scatter(self, data: list[Any], broadcast: bool = False) -> list[Ref]:
        assert broadcast  # every worker gets it once
        # As distributed does: a list gives a list of futures, a dict is scattered key by key.
        assert isinstance(data, list), "scatter inside a list"
        for item in data:
            self.scattered(item)
        return [Ref(d) for d in data]

    def scattered(self, item: Any) -> None:
        """Called with each object scattered."""

    def map(self, fn: Any, jobs: list[Any], shared_history: Ref | None = None, settings: Ref | None = None,
            pure: bool = True) -> list[Any]:
        assert not pure  # each job writes files: never deduplicated or cached
        out = []
        for job in jobs:
            self.shipped(fn, job, shared_history, settings)
            out.append(self.future(fn(job, shared_history=shared_history.data if shared_history else None,
                                      settings=settings.data if settings else None)))
        return out

    def shipped(self, fn: Any, job: Any, shared_history: Ref | None, settings: Ref | None) -> None:
        """Called with each job mapped, before it runs."""

    def future(self, value: Any) -> Any:
        return Done(value)


class Done:
    def __init__(self, value: Any) -> None:
        self._value = value

    def result(self) -> Any:
        return self._value
