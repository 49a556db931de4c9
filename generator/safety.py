"""Keep agents' text harmless on the way out: no formula injection, no path escapes.

Agent books are typed by people and sometimes pasted from elsewhere, so a cell may hold
``=HYPERLINK(...)`` or a name like ``../../x``. Everything written back to a spreadsheet,
a CSV file or a file name passes through one of these pure helpers.

    >>> needs_quote_prefix("=1+1"), csv_safe("@SUM(A1)")
    (True, "'@SUM(A1)")
    >>> safe_filename("1001/张三", "agent")
    '1001张三'
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from typing import Any, TypeVar

__all__ = ["QUOTE_RISK_FIRST", "needs_quote_prefix", "neutralize", "csv_safe", "safe_filename", "safe_output_path"]

# Characters that make Excel, WPS or LibreOffice start a formula (or DDE) when they open
# a cell; full-width forms are included because some IMEs turn them into ASCII on edit.
_FORMULA_START = frozenset("=+-@＝＋－＠")
# Leading characters a spreadsheet skips before deciding a cell is a formula.
_LEADING_SPACE = " \t\r\n\u3000\u00a0"

#: Every first character with which needs_quote_prefix can be True: a writer may skip
#: the call for any other text (the common case, measured on 100k-cell sheets).
QUOTE_RISK_FIRST = frozenset(_FORMULA_START | set(_LEADING_SPACE) | {"\t", "\r"})

T = TypeVar("T")


def needs_quote_prefix(text: str) -> bool:
    """True when ``text`` could be read as a formula by a spreadsheet.

    >>> [needs_quote_prefix(s) for s in ("-2", " \\t=A1", "张三", "a=b")]
    [True, True, False, False]
    """
    if not text:
        return False
    # OWASP lists a bare leading tab or CR as dangerous on its own: some CSV importers
    # strip it and then evaluate what follows.
    if text[0] in "\t\r":
        return True
    stripped = text.lstrip(_LEADING_SPACE)
    return bool(stripped) and stripped[0] in _FORMULA_START


def csv_safe(text: str) -> str:
    """Prefix a single quote when ``text`` could start a formula (OWASP CSV injection).

    >>> csv_safe("+86 138"), csv_safe("普通文本")
    ("'+86 138", '普通文本')
    """
    return "'" + text if needs_quote_prefix(text) else text


def neutralize(value: T) -> T | str:
    """Return ``value`` in a form no spreadsheet will evaluate; non-strings pass through.

    For text outputs (CSV, TSV, clipboard) this is :func:`csv_safe`. The xlsx writers do
    not alter the text: they write it with ``write_string`` and a quote-prefix format, so
    the cell shows exactly what the agent typed.
    """
    if isinstance(value, str):
        return csv_safe(value)
    return value


# --- file names -------------------------------------------------------------------

_FORBIDDEN = re.compile(r'[/\\:*?"<>|]')
_RESERVED = frozenset(
    {"CON", "PRN", "AUX", "NUL"}
    | {f"COM{i}" for i in range(1, 10)}
    | {f"LPT{i}" for i in range(1, 10)}
)
MAX_NAME_CHARS = 80
# ext4 and most file systems allow 255 bytes per name; keep room for a suffix such as
# "_客户经营.xlsx" and the temporary-file prefix.
MAX_NAME_BYTES = 180
_TRIM = " .\u3000\u00a0"


def safe_filename(text: Any, fallback: str) -> str:
    """A file-name part that is safe on Windows, macOS and Linux; ``fallback`` if empty.

    >>> safe_filename("../../etc/passwd", "x"), safe_filename("con.txt", "x")
    ('etcpasswd', '_con.txt')
    """
    name = _clean_name("" if text is None else str(text))
    if not name:
        name = _clean_name(fallback) or "_"
    return name


def _clean_name(text: str) -> str:
    # Drop control characters (including NUL) and format characters such as RTL
    # overrides, which can disguise an extension; keep letters, CJK and emoji.
    chars = [ch for ch in text if unicodedata.category(ch) not in ("Cc", "Cf", "Zl", "Zp")]
    name = _FORBIDDEN.sub("", "".join(chars))
    while ".." in name:
        name = name.replace("..", "")
    name = name.strip(_TRIM)
    name = _cap(name).strip(_TRIM)
    if name.split(".", 1)[0].strip().upper() in _RESERVED:
        name = "_" + name
    return name


def _cap(name: str) -> str:
    name = name[:MAX_NAME_CHARS]
    while len(name.encode("utf-8")) > MAX_NAME_BYTES:
        name = name[:-1]
    return name


def safe_output_path(out_dir: str | Path, *parts: str) -> Path:
    """``out_dir/parts…`` resolved; ValueError when it would land outside ``out_dir``.

    >>> safe_output_path("/tmp/out", "a.xlsx").name
    'a.xlsx'
    """
    base = Path(out_dir).resolve()
    target = base.joinpath(*parts).resolve()
    if target == base or not target.is_relative_to(base):
        shown = "/".join(parts)
        raise ValueError(f"输出路径“{shown}”不在输出文件夹 {base} 之内，已拒绝写入。")
    return target
