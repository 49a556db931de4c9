"""Layering: a lower layer of generator/ never imports a higher one (issue 16 item 3).

Every runtime import between generator modules is checked, including imports inside
functions (a late import is still a dependency); imports under ``if TYPE_CHECKING:``
are annotations only and are left out. A new module must be placed in a layer here.
"""

from __future__ import annotations

import ast
from pathlib import Path

import generator

PACKAGE = Path(generator.__file__).parent

LAYERS: list[set[str]] = [
    # 0. contracts and plain helpers: problems, records, cell parsing, the column
    #    schema, the rules model, safe writes, the page kit
    {"exits", "fsutil", "safety", "zipguard", "issues", "models", "parse", "schema", "rules", "lunar", "settings",
     "pagekit", "glossary", "runargs"},
    # 1. reading and per-book facts: files → validated books, branch sheets
    {"sheet_reader", "sources", "read_csv", "xlsx_cells", "xlsx_open", "read", "validate", "premiums", "clients",
     "occasions", "referrals", "activity", "audience", "campaign", "integrity", "cve", "survey",
     "complaints"},
    # 2. judging and planning over books; memory of earlier runs
    {"classify", "segments", "plan", "plan_clients", "plan_tasks", "followups", "history", "enrich", "branch_index", "cache", "placing"},
    # 3. outputs: workbooks, .ics, templates, the sample, site pages and the site
    {"xlsx_writer", "xlsx_fast", "workbook", "workbook_activity", "workbook_calendar", "workbook_clients",
     "workbook_today", "workbook_help", "roundtrip", "ics", "branch_workbook", "template",
     "sample", "sample_books", "sample_draws", "sample_problems", "sample_words", "sample_branch",
     "dashboards", "history_pages", "branch_pages", "activity_pages", "segment_pages", "standards",
     "site_render", "site_engines", "site", "site_pages"},
    # 4. a whole run
    {"pipeline", "runlock", "cli_progress"},
    # 5. the command line
    {"cli", "cli_zh", "__main__", "__init__"},
]
LAYER = {name: i for i, names in enumerate(LAYERS) for name in names}


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def runtime_imports(source: str) -> set[str]:
    """Names of sibling modules imported at run time (``from .x import y``, ``from . import x``)."""
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            if node.module:
                found.add(node.module.split(".")[0])
            else:
                found.update(a.name for a in node.names)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(source))
    return found


def _graph() -> dict[str, set[str]]:
    return {p.stem: runtime_imports(p.read_text(encoding="utf-8")) for p in sorted(PACKAGE.glob("*.py"))}


def test_every_module_has_a_layer():
    assert sorted(set(_graph()) - set(LAYER)) == []


def test_lower_layers_never_import_higher_ones():
    wrong = [f"{mod} (layer {LAYER[mod]}) imports {dep} (layer {LAYER[dep]})"
             for mod, deps in _graph().items() for dep in sorted(deps)
             if dep in LAYER and mod in LAYER and LAYER[dep] > LAYER[mod]]
    assert wrong == []


def test_type_checking_imports_are_not_dependencies():
    src = "from typing import TYPE_CHECKING\nfrom .a import x\nif TYPE_CHECKING:\n    from .b import y\n" \
          "def f():\n    from .c import z\n"
    assert runtime_imports(src) == {"a", "c"}


def test_the_checker_sees_a_late_upward_import():
    graph = _graph()
    graph["models"] = graph["models"] | runtime_imports("def f():\n    from .pipeline import build\n")
    wrong = [(m, d) for m, deps in graph.items() for d in deps if d in LAYER and LAYER[d] > LAYER[m]]
    assert wrong == [("models", "pipeline")]


# Import circles still open (each hidden by a late import inside a function): none.
KNOWN_CIRCLES: list[set[str]] = []


def circles(graph: dict[str, set[str]]) -> list[set[str]]:
    """Groups of modules that import each other (strongly connected, size > 1)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[set[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph.get(v, ()):
            if w not in graph:
                continue
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = set()
            while True:
                w = stack.pop()
                group.add(w)
                if w == v:
                    break
            if len(group) > 1:
                found.append(group)

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_no_import_circles_beyond_the_known_ones():
    assert sorted(map(sorted, circles(_graph()))) == sorted(map(sorted, KNOWN_CIRCLES))


def test_circle_finder_finds_a_circle():
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [{"a", "b", "c"}]


# Private names another module still borrows: none.
KNOWN_PRIVATE_IMPORTS: set[tuple[str, str, str]] = set()


def private_imports() -> set[tuple[str, str, str]]:
    """(importer, module, name) for every underscored name imported from a sibling module."""
    found = set()
    for path in sorted(PACKAGE.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module:
                found.update((path.stem, node.module, a.name) for a in node.names
                             if a.name.startswith("_") and not a.name.startswith("__"))
    return found


def test_modules_use_each_others_public_names_only():
    # Page modules in particular build on the page kit, never on dashboards' internals.
    assert private_imports() == KNOWN_PRIVATE_IMPORTS
