"""The one pipeline: read → validate → classify → plan → write.

Library entry points, callable without the CLI::

    from generator import build, validate
    result = build(["sample_data"], "out")
    result.exit_code        # 0 all accepted, 1 something rejected
    report_dict(result)     # what out/report.json holds

Agents stream through a process pool (``jobs``): each worker reads, checks, grades and
writes one agent's workbook and hands back an :class:`AgentResult` (figures and paths,
no client rows), so memory stays flat however large the branch. One broken file never stops the others:
a file that cannot be used becomes a ``failed`` entry and the run goes on.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, fields, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from . import roundtrip
from .cache import AgentCache
from .campaign import campaign_partial
from .classify import classify_book
from .fsutil import atomic_write
from .branch_index import INDEX_NAME, BranchIndex
from .integrity import PhoneUse, apply_findings, branch_summary, duplicate_agent_ids, phone_uses
from .enrich import enrich_book
from .history import DEFAULT_DB_NAME, Store, open_store
from .ics import write_ics
from .activity import activity_kpis
from .placing import place_workbooks
from .segments import segment_book
from .plan import counts as task_counts
from .plan import plan_book, quota_series, reminder_days
from .issues import make_issue
from .models import AgentInfo, AgentResult, Book, RunResult, report_dict
from .read import Source, UnreadableFile, discover, read_source
from .rules import Rules
from .runargs import no_input
from .runlock import lock_run, sweep_leftovers
from .settings import BuildSettings, JobSettings, RulesInUse
from .validate import validate_book

log = logging.getLogger(__name__)

OnAgent = Callable[[AgentResult], None]
PathLike = str | os.PathLike[str]
_PHONE_FIELDS = tuple(f.name for f in fields(PhoneUse))
# Below this many sources a pool costs more to start than it saves.
POOL_MIN_SOURCES = 4


@dataclass(frozen=True)
class Job:
    """What a worker needs to process one source (picklable): the run's shared
    :class:`JobSettings` and this source's own history and findings."""

    source: Source
    index: int
    settings: JobSettings | None  # None on a cluster: scattered once to every worker instead
    history: Any = None  # path of the history store (pool), SHARED_HISTORY (cluster) or None
    findings: tuple[Any, ...] = ()  # cross-agent findings for this book (second pass only)


def process_source(source: Source, rules: Rules, *, today: date, days: int | None = None,
                   history: Any = None, workbook_agents: frozenset[str] = frozenset()) -> Book:
    """Read, validate, classify and plan one agent's source. Never raises for bad input."""
    clock = time.perf_counter()
    try:
        raw = read_source(source)
    except UnreadableFile as exc:
        return _failed(source, exc.code, exc.detail)
    except Exception as exc:  # a reader bug must not take the whole branch down
        log.exception("unexpected error reading %s", source.display)
        return _failed(source, "file-unreadable", f"读取时出现意外错误（{type(exc).__name__}）")
    t_read = time.perf_counter()
    # Past reading, an exception is a bug, not bad input: it fails this agent alone.
    step, book = "校验", None
    try:
        trip = roundtrip.read_back(raw)  # a workbook Pasture wrote: derived columns dropped
        book = validate_book(raw, rules, today=today)
        if trip is None and (refused := roundtrip.superseded(book, workbook_agents)) is not None:
            return refused
        roundtrip.after_validate(book, trip, rules, today=today)  # 完成 calendar rows → 服务记录
        t_validate = time.perf_counter()
        step = "分级"
        classify_book(book, rules, today=today)
        # Memory: referral chains, CVE and, with a history store, changes since last time.
        step = "历史对比与转介绍"
        enrich_book(book, rules, today=today, store=history)
        book.extras["campaign"] = campaign_partial(book, rules).to_dict()
        book.kpis["segments"] = segment_book(book, rules, today=today)
        t_classify = time.perf_counter()
        step = "服务日历"
        book.tasks = roundtrip.drop_done(plan_book(book, rules, today=today, days=days), book, trip)
        book.quota = quota_series(book, rules, today=today)
        book.kpis["calendar"] = task_counts(book.tasks, today)
        book.kpis["quota"] = {
            "days": len(book.quota),
            "registered": sum(n for _, n, _ in book.quota),
            "target": sum(t for _, _, t in book.quota),
            "days_met": sum(1 for _, n, t in book.quota if n >= t),
        }
        book.kpis["activity"] = activity_kpis(book, rules, today=today)
    except Exception as exc:
        return internal_failure(source, step, exc, book)
    t_plan = time.perf_counter()
    book.timings.update(read=t_read - clock, validate=t_validate - t_read, classify=t_classify - t_validate,
                        plan=t_plan - t_classify)
    return book


# A cluster job's history: the map of previous snapshots scattered once to every worker,
# not a copy in each job (that grew with N² bytes shipped).
SHARED_HISTORY = "shared-history"


def run_job(job: Job, shared_history: Any = None, settings: JobSettings | None = None) -> AgentResult:
    """Worker body: process one source, write its workbook to staging, return its result.

    ``shared_history`` is the scattered :meth:`Store.previous_all` map on a cluster, used
    by the jobs whose ``history`` is :data:`SHARED_HISTORY`; ``settings``, the run's
    scattered :class:`JobSettings`, stands in for a cluster job's own. The client rows stay
    here: the result carries figures and paths (and the book only when records are kept)."""
    cfg = settings if settings is not None else job.settings
    assert cfg is not None, "a job without settings needs the run's shared ones"
    history = shared_history if job.history == SHARED_HISTORY else job.history
    book = process_source(job.source, cfg.rules, today=cfg.today, days=cfg.days, history=history,
                          workbook_agents=cfg.workbook_agents)
    try:
        if job.findings:
            apply_findings(book, job.findings)
        if book.status != "failed":
            # For the branch-level phone checks (parked in the branch index).
            # PhoneUse as a plain list (dataclasses.astuple deep-copies: 4× slower here).
            book.extras["phones"] = [[getattr(u, name) for name in _PHONE_FIELDS] for u in phone_uses(book)]
    except Exception as exc:
        book = internal_failure(job.source, "营业部交叉检查", exc, book)
    if cfg.staging is not None and book.status != "failed":
        book = _write_outputs(book, job, cfg)
    return AgentResult.of(book, keep=cfg.keep_records)


def _write_outputs(book: Book, job: Job, cfg: JobSettings) -> Book:
    """The agent's workbook and .ics into staging; a failure fails this agent alone."""
    from .workbook import write_agent_workbook

    staging = cfg.staging
    assert staging is not None
    part = staging / f".part-{cfg.token}-{job.index:06d}.xlsx"
    try:
        clock = time.perf_counter()
        write_agent_workbook(book, cfg.rules, part, today=cfg.today)
        book.timings["workbook"] = time.perf_counter() - clock
        book.output = str(part)
        ics = staging / f".part-{cfg.token}-{job.index:06d}.ics"
        clock = time.perf_counter()
        write_ics(book.tasks or [], book.agent, ics, today=cfg.today, remind_days=reminder_days(cfg.rules),
                  stamp=datetime.combine(cfg.today, datetime.min.time()))
        book.timings["ics"] = time.perf_counter() - clock
        book.calendar_output = str(ics)
    except Exception as exc:  # one unwritable workbook must not stop the branch
        for path in (book.output, book.calendar_output):
            if path:
                Path(path).unlink(missing_ok=True)
        return internal_failure(job.source, "生成工作簿", exc, book)
    return book


def workbook_agents(sources: list[Source]) -> frozenset[str]:
    """工号 of the Pasture workbooks among the sources: their agents' originals are refused."""
    return frozenset(filter(None, (roundtrip.workbook_agent(s.path) for s in sources if s.kind == "xlsx")))


def internal_failure(source: Source, step: str, exc: Exception, book: Book | None = None) -> Book:
    """A bug hit while processing one agent: that agent is ``failed`` with an
    ``internal-error`` issue (exit code 4), the others go on. The traceback goes to the log;
    the report names only the step and the exception type (its text may hold client data)."""
    log.error("internal error (%s) processing %s", step, source.display, exc_info=exc)
    failed = _failed(source, "internal-error", f"{step}：{type(exc).__name__}")
    if book is not None:
        failed.agent = book.agent
    return failed


def _failed(source: Source, code: str, detail: str) -> Book:
    agent_id, _, name = source.stem.partition("_")
    issue = make_issue(code, file=source.display, detail=detail)
    return Book(source=source.display, agent=AgentInfo(agent_id=agent_id or source.stem, name=name),
                status="failed", issues=[issue])


def _shown(inputs: PathLike | Iterable[PathLike]) -> list[str]:
    return [str(p) for p in ([inputs] if isinstance(inputs, (str, os.PathLike)) else inputs)]


def _split_sources(inputs: PathLike | Iterable[PathLike],
                   exclude: tuple[Path, ...] = ()) -> tuple[list[Source], list[tuple[str, Source]]]:
    """Agent books, and branch files (survey, complaints) recognised by their sheets;
    ``exclude`` holds the output folder, never read back as input."""
    from .survey import branch_file_kind

    paths = [inputs] if isinstance(inputs, (str, os.PathLike)) else list(inputs)
    books: list[Source] = []
    branch: list[tuple[str, Source]] = []
    for path in paths:
        for source in discover(Path(path), exclude=exclude):
            kind = branch_file_kind(source.path) if source.kind == "xlsx" else None
            if kind is None:
                books.append(source)
            else:
                branch.append((kind, source))
    return books, branch


@dataclass
class BranchInputs:
    """The branch-level files of a run, read and checked."""

    survey: Any = None  # generator.survey.SurveyData
    complaints: Any = None  # generator.complaints.ComplaintsData
    entries: list[dict[str, Any]] | None = None


def read_branch_files(files: list[tuple[str, Source]], books: list[AgentResult], rules: Rules,
                      today: date) -> BranchInputs:
    """Read survey and complaints files; each is reported like an agent book."""
    from .complaints import ComplaintsData, read_complaints
    from .survey import SurveyData, read_survey

    teams = {b.agent.agent_id: b.agent.team for b in books}
    found = BranchInputs(entries=[])
    data: SurveyData | ComplaintsData
    for kind, source in files:
        if kind == "survey":
            data = read_survey(source.path, rules, display=source.display)
            found.survey = found.survey or data
        else:
            data = read_complaints(source.path, rules, today, agents=teams, display=source.display)
            found.complaints = found.complaints or data
        found.entries.append({  # type: ignore[union-attr]
            "path": source.display, "kind": kind, "status": data.status, "rows": data.rows.to_dict(),
            "issues": [{k: v for k, v in i.to_dict().items() if k != "file"} for i in data.issues],
        })
    return found


def _run_jobs(jobs: list[Job], workers: int, scheduler: str | None = None,
              shared_history: Any = None) -> Iterator[AgentResult]:
    """Results in job order, whatever the number of workers (results are deterministic).

    With ``scheduler`` (a Dask distributed address such as ``tcp://host:8786``) the
    per-agent stage runs on that cluster instead; inputs and the output folder must be
    on storage every worker sees under the same path.
    """
    if scheduler is not None:
        yield from _run_on_dask(jobs, scheduler, shared_history)
        return
    if workers <= 1 or len(jobs) < POOL_MIN_SOURCES:
        for job in jobs:
            yield run_job(job)
        return
    with ProcessPoolExecutor(max_workers=workers) as pool:
        # chunksize > 1 amortises pickling; order of results is the order of jobs.
        yield from pool.map(run_job, jobs, chunksize=max(1, min(8, len(jobs) // (workers * 4))))


def _run_on_dask(jobs: list[Job], scheduler: str, shared_history: Any = None) -> Iterator[AgentResult]:
    try:
        from distributed import Client
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise RuntimeError('需要安装 Dask：pip install -e ".[cluster]"') from exc
    if not jobs:
        return
    settings = jobs[0].settings
    if any(job.settings is not settings for job in jobs):  # pragma: no cover - one run, one settings
        raise ValueError("jobs of one cluster run share one JobSettings")
    with Client(scheduler) as client:
        # The history map and the job settings (the rules, the 工号 handing in workbooks) go
        # to each worker once: bytes stay linear in N, and a job is a file name and a number.
        # In a list: Client.scatter sends a dict key by key (and fails on an empty one).
        shared = client.scatter([shared_history], broadcast=True)[0] if shared_history is not None else None
        shared_settings = client.scatter([settings], broadcast=True)[0]
        lean = [replace(job, settings=None) for job in jobs]
        # pure=False: each job writes files, so never dedupe or cache it on the cluster.
        futures = client.map(run_job, lean, shared_history=shared, settings=shared_settings, pure=False)
        futures.reverse()  # popped from the end: in job order, so names and reports stay deterministic
        while futures:
            # A result stays in a worker's memory while its future lives: drop each once read,
            # so workers hold a few results at a time, not the whole branch (flat in N).
            yield futures.pop().result()


def default_jobs() -> int:
    return os.cpu_count() or 1


def validate(inputs: PathLike | Iterable[PathLike], settings: BuildSettings | None = None, *,
             on_book: OnAgent | None = None, **options: Any) -> RunResult:
    """Check books without writing anything; every result keeps its whole book.

    ``options`` are :data:`generator.settings.SETTINGS` (rules, today, jobs, days …); with
    no rules given it checks with the rules a build would grade with (:func:`_project_rules`)."""
    cfg = _run_settings(settings, options)
    assert cfg.rules is not None and cfg.today is not None
    sources, branch_sources = _split_sources(inputs)
    if not sources and not branch_sources:
        raise no_input(_shown(inputs), books_required=False)
    shared = JobSettings(cfg.rules, cfg.today, None, keep_records=True, days=cfg.days,
                         workbook_agents=workbook_agents(sources))
    results = []
    for result in _run_jobs([Job(s, i, shared) for i, s in enumerate(sources)], cfg.jobs):
        results.append(result)
        if on_book:
            on_book(result)
    branch = read_branch_files(branch_sources, results, cfg.rules, cfg.today)
    return RunResult(agents=results, today=cfg.today, branch_files=branch.entries or [])


def build(inputs: PathLike | Iterable[PathLike], out_dir: PathLike, settings: BuildSettings | None = None, *,
          on_book: OnAgent | None = None, on_start: Callable[[int], None] | None = None,
          on_step: Callable[[str], None] | None = None, **options: Any) -> RunResult:
    """Validate, grade and write one workbook per usable book plus ``report.json``.

    ``settings`` and ``options`` are the build settings (:data:`generator.settings.SETTINGS`
    names them with defaults and help; an unknown name is a TypeError). Among them:
    ``keep_records=True`` keeps every book in its result (tests, small runs); by default
    results carry only figures, so memory stays flat. ``history`` is the SQLite store that
    remembers each run (True: ``pasture.db`` in the site project when one is given, else
    in ``out``; False/None: no memory). ``site=True`` also builds the standards site with
    dashboards into ``out/site`` from ``site_project`` (default: this repository) with
    ``site_engine`` (mkdocs or zensical); its rule tables show the very rules the
    workbooks were graded with. A page or a site that cannot be built is in
    ``result.site_issues``. ``on_book`` is called with each agent's result as it lands.
    """
    cfg = _run_settings(settings, options)
    rules, today = cfg.rules, cfg.today
    assert rules is not None and today is not None
    out = Path(out_dir).resolve()  # workers and renames must not depend on the cwd
    sources, branch_sources = _split_sources(inputs, exclude=(out,))
    if not sources:
        raise no_input(_shown(inputs), books_required=True)  # before anything is written
    out.mkdir(parents=True, exist_ok=True)
    history_path = _history_path(cfg.history, out, cfg.site_project)
    # One run at a time per output folder and per history store (see runlock).
    step = on_step or (lambda name: None)  # names each step after the agents (progress)
    with lock_run(out, *([history_path] if history_path else [])) as run:
        sweep_leftovers(out)
        workbooks = out / "workbooks"
        workbooks.mkdir(parents=True, exist_ok=True)
        if on_start:
            on_start(len(sources))
        store = open_store(history_path) if history_path else None
        cache = AgentCache(out) if cfg.use_cache and not cfg.keep_records else None
        try:
            # Phones and history rows wait on disk, not in memory (flat in the branch's size);
            # next to the cache they survive the run, so a cached agent's rows are already there.
            with BranchIndex(out / ".cache" / INDEX_NAME if cache is not None else None) as index:
                agents = _AgentRun(sources, out, cfg, JobSettings(
                    rules, today, workbooks, keep_records=cfg.keep_records, days=cfg.days, token=run.token,
                    workbook_agents=workbook_agents(sources)), step, on_book, cache, index, store)
                result = agents.run()
            if store is not None:
                store.commit()
        except BaseException:
            if store is not None:
                store.rollback()
                store.close()
            raise
        if branch_sources:
            step("读取营业部文件（满意度调查、投诉记录）")
        branch = read_branch_files(branch_sources, result.agents, rules, today)
        result.branch_files = branch.entries or []
        step("写汇总报告 report.json 和营业部报表 branch.xlsx")
        report = report_dict(result)
        write_json(out / "report.json", report)
        campaigns = _campaigns(result.agents, rules)
        from .branch_workbook import write_branch_workbook

        write_branch_workbook(out / "branch.xlsx", report=report, survey=branch.survey, complaints=branch.complaints,
                              campaigns=campaigns, rules=rules, today=today)
        if cfg.site:
            step("生成网站（课程页面和看板）")
            _publish_site(result, report, out, cfg.rules_in_use, project=cfg.site_project,
                          mask_agents=cfg.mask_agents, store=store, since=cfg.since, branch=branch,
                          campaigns=campaigns, engine=cfg.site_engine)
        if store is not None:
            store.close()
        return result


def _run_settings(settings: BuildSettings | None, options: dict[str, Any]) -> BuildSettings:
    """A run's settings: ``settings`` with ``options`` over them, rules loaded, date checked."""
    return _project_rules((settings or BuildSettings()).replace(**options)).resolved()


def _project_rules(cfg: BuildSettings) -> BuildSettings:
    """With no rules given, a build grades with the rules its site shows: env
    PASTURE_RULES or the site project's own rules file (``pasture new``), else the
    packaged ones. Workbooks and rule pages can never disagree."""
    if cfg.rules is not None or cfg.rules_path is not None:
        return cfg
    if not (cfg.site_project or os.environ.get("PASTURE_RULES")):
        return cfg
    from .site import PROJECT_ROOT, project_rules_file

    return cfg.replace(rules_path=project_rules_file(Path(cfg.site_project or PROJECT_ROOT)))


def _publish_site(result: RunResult, report: dict[str, Any], out: Path, rules: RulesInUse, *,
                  engine: str = "mkdocs", **options: Any) -> None:
    """Build the site into OUT/site; a failure is an issue in report.json, never a dead run."""
    from .site_pages import build_dashboard_site

    try:
        built = build_dashboard_site(report, rules.rules, out / "site", rules_path=rules.path, engine=engine,
                                     **options)
        issues = built.issues
    except Exception as exc:  # noqa: BLE001 - the run's workbooks and report stand without a site
        log.exception("site build failed")
        issues = [make_issue("site-build-failed", file="site", detail=f"{type(exc).__name__}: {exc}")]
    if issues:
        result.site_issues = [i.to_dict() for i in issues]
        write_json(out / "report.json", report_dict(result))


def _campaigns(results: list[AgentResult], rules: Rules) -> list[Any]:
    """Merge the per-agent campaign partials the workers handed back."""
    from .campaign import CampaignPartial, merge

    partials = []
    for result in results:
        data = result.campaign
        if data is not None:
            partials.append(CampaignPartial(data["agent_id"], data["agent_name"], data["team"], {
                c: {m: (int(v[0]), float(v[1])) for m, v in months.items()} for c, months in data["cells"].items()}))
    return merge(partials, rules)


def _history_path(history: PathLike | None | bool, out: Path, site_project: PathLike | None) -> Path | None:
    if history is None or history is False:
        return None
    if history is True:
        history = Path(site_project or out) / DEFAULT_DB_NAME
    return Path(history).resolve()


@dataclass
class _AgentRun:
    """The per-agent part of one build: cache lookups, the workers (twice when
    branch-level checks flag books), final names and the history snapshot."""

    sources: list[Source]
    out: Path
    settings: BuildSettings
    job: JobSettings
    step: Callable[[str], None]
    on_agent: OnAgent | None
    cache: AgentCache | None
    index: BranchIndex
    store: Store | None

    def run(self) -> RunResult:
        cfg, job, cache, index, store = self.settings, self.job, self.cache, self.index, self.store
        snapshots: list[str] = []
        worker_history: Any = None
        if store is not None:
            snapshots = [d.isoformat() for d in store.dates() if d < job.today]
            # A cluster worker cannot open our file; it gets the previous tiers, scattered once.
            worker_history = store.previous_all(job.today) if cfg.scheduler else str(store.path)
        # On a cluster the previous-snapshot map is shared, each job only names it.
        cluster_map = cfg.scheduler is not None and worker_history is not None
        job_history, shared = (SHARED_HISTORY, worker_history) if cluster_map else (worker_history, None)
        keys: dict[int, str] = {}
        slots: list[AgentResult | None] = [None] * len(self.sources)
        reused: dict[int, str | None] = {}  # cache hits: index → workbook path when cached
        work: list[Job] = []
        options = {**cfg.cache_options(), "history": snapshots, "workbooks": sorted(job.workbook_agents)}
        for i, source in enumerate(self.sources):
            if cache is not None:
                keys[i] = cache.key(source, job.rules, job.today, options)
                hit = cache.get(source, keys[i])
                reusable = hit is not None and index.key(hit.source) == keys[i] and (
                    (hit.status == "failed" and hit.output is None) or (hit.output and (self.out / hit.output).is_file()))
                if hit is not None and reusable:
                    slots[i], reused[i] = hit, hit.output
                    self._landed(hit)
                    continue
            work.append(Job(source, i, job, job_history))
        for item, result in zip(work, _run_jobs(work, cfg.jobs, cfg.scheduler, shared)):
            slots[item.index] = _park(index, keys.get(item.index, ""), result)
            self._landed(slots[item.index])
        # Branch-level checks need every book's phones; only the books they flag are redone,
        # so their workbooks carry the warnings too.
        self.step("营业部交叉检查（共用电话、重复客户、重复工号）")
        index.keep_only(s.display for s in self.sources)
        findings = index.findings([b.source for b in slots if b is not None and b.status != "failed"])
        # Two books with one 工号: both warned; only the first reads and records history.
        duplicates, no_history = duplicate_agent_ids(b for b in slots if b is not None)
        findings += duplicates
        flagged: dict[str, list[Any]] = {}
        for finding in findings:
            flagged.setdefault(finding.source, []).append(finding)
        redo = [Job(source, i, job, None if source.display in no_history else job_history,
                    tuple(flagged[source.display]))
                for i, source in enumerate(self.sources) if source.display in flagged]
        if redo:
            self.step(f"重新生成 {len(redo)} 本带交叉检查提示的工作簿")
        for item, result in zip(redo, _run_jobs(redo, cfg.jobs, cfg.scheduler, shared)):
            slots[item.index] = _park(index, keys.get(item.index, ""), result)  # overwrote the first pass's files
            keys.pop(item.index, None)  # never cache a book whose warnings depend on other books
            reused.pop(item.index, None)
        results = place_workbooks([b for b in slots if b is not None], self.sources, job.staging or self.out,
                                  cache, keys, reused, token=job.token)
        integrity = branch_summary(findings, agents=len(results))
        if store is not None:
            self.step("记录历史（等级变化、趋势）")
            _record_history(store, results, index, keys, reused, job.today, job.rules, skip=no_history)
        return RunResult(agents=results, today=job.today, out_dir=self.out, integrity=integrity)

    def _landed(self, result: AgentResult | None) -> None:
        if self.on_agent is not None and result is not None:
            self.on_agent(result)


def _record_history(store: Store, results: list[AgentResult], index: BranchIndex, keys: dict[int, str],
                    reused: dict[int, str | None], today: date, rules: Rules, skip: set[str]) -> None:
    """Record today's snapshot; a same-day rerun keeps the rows of reused agents that
    were recorded from the same result (same digest) instead of writing them again.

    The write transaction starts only now: while workers read earlier snapshots nobody
    holds a lock on the file.
    """
    digests = {i: _digest(keys[i], result) for i, result in enumerate(results) if i in keys}
    ids = Counter(r.agent.agent_id for r in results)
    keep = {results[i].agent.agent_id: d for i, d in digests.items()
            if i in reused and ids[results[i].agent.agent_id] == 1}
    kept = store.begin(today, rules_version=rules.version, keep=keep)
    for i, result in enumerate(results):
        if (i in reused and result.agent.agent_id in kept) or result.source in skip:
            continue
        rows = index.history_rows(result.source)
        store.add_book(replace(result, history_rows=None if rows is None else tuple(rows)), digest=digests.get(i))


def _digest(key: str, result: AgentResult) -> str:
    """What an agent's history rows are recorded from: its cached result and summary."""
    issues = Counter(i.code for i in result.issues)
    data = [key, result.source, vars(result.agent), result.status, result.kpis, sorted(issues.items())]
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


def _park(index: BranchIndex, key: str, result: AgentResult) -> AgentResult:
    """Move a finished agent's phone uses and history rows to the index; the result
    kept in memory goes on without them."""
    index.put(result.source, key, result.agent, phones=result.phones,
              history_rows=result.history_rows)
    return replace(result, phones=(), history_rows=None)


def write_json(path: Path, data: Any) -> None:
    """Write JSON atomically: a reader never sees half a file."""
    with atomic_write(path) as tmp, tmp.open("w", encoding="utf-8") as fh:
        json.dump(data, fh, ensure_ascii=False, indent=2, default=str, allow_nan=False)  # strict JSON
