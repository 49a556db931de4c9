from datetime import date
from pathlib import Path

import pytest

from generator.safety import csv_safe, needs_quote_prefix, neutralize, safe_filename, safe_output_path


@pytest.mark.parametrize(
    "text, expected",
    [
        ("=1+1", True),
        ('=HYPERLINK("http://x")', True),
        ("+1", True),
        ("-2", True),
        ("@SUM(A1)", True),
        ("  =A1", True),
        ("\t=A1", True),
        ("\r\n+1", True),
        ("\n-1", True),
        ("\tplain", True),  # a bare leading tab is itself on OWASP's list
        ("＝A1", True),  # full-width equals
        ("\u3000@x", True),
        ("张三", False),
        ("13800001234", False),
        ("a=b", False),
        ("", False),
        ("   ", False),
        ("备注：-2", False),
    ],
)
def test_needs_quote_prefix(text: str, expected: bool) -> None:
    assert needs_quote_prefix(text) is expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("=1+1", "'=1+1"),
        ("+86 13800001234", "'+86 13800001234"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=cmd", "'\t=cmd"),
        ("普通文本", "普通文本"),
        ("", ""),
    ],
)
def test_csv_safe(text: str, expected: str) -> None:
    assert csv_safe(text) == expected


@pytest.mark.parametrize(
    "value, expected",
    [
        ("=A1", "'=A1"),
        ("王五", "王五"),
        (12.5, 12.5),
        (None, None),
        (date(2024, 3, 12), date(2024, 3, 12)),
    ],
)
def test_neutralize(value: object, expected: object) -> None:
    assert neutralize(value) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("1001_张三", "1001_张三"),
        ("../../etc/passwd", "etcpasswd"),
        ("..\\..\\windows", "windows"),
        ("a\\b", "ab"),
        ('a/b:c*d?e"f<g>h|i', "abcdefghi"),
        ("a\x00b", "ab"),
        ("a\x1fb\x7f", "ab"),
        ("CON", "_CON"),
        ("con", "_con"),
        ("nul.xlsx", "_nul.xlsx"),
        ("COM1", "_COM1"),
        ("lpt9.txt", "_lpt9.txt"),
        ("COM10", "COM10"),  # only COM1–COM9 are reserved
        ("CONSOLE", "CONSOLE"),
        ("  .hidden", "hidden"),
        ("name. . ", "name"),
        ("张三😀", "张三😀"),
        ("a\u202egpj.exe", "agpj.exe"),  # right-to-left override disguising an extension
        ("", "fallback"),
        ("...", "fallback"),
        ("/\\:*?", "fallback"),
        (None, "fallback"),
        (1001, "1001"),
    ],
)
def test_safe_filename(text: object, expected: str) -> None:
    assert safe_filename(text, "fallback") == expected


def test_safe_filename_caps_length() -> None:
    assert len(safe_filename("x" * 300, "f")) == 80
    # Emoji are 4 bytes each in UTF-8: the byte cap keeps the name under file-system limits.
    emoji = safe_filename("😀" * 300, "f")
    assert emoji and set(emoji) == {"😀"}
    assert len(emoji.encode("utf-8")) <= 180


def test_safe_filename_unsafe_fallback_is_cleaned() -> None:
    assert safe_filename("", "../CON") == "_CON"
    assert safe_filename("", "") == "_"


def test_safe_output_path_inside(tmp_path: Path) -> None:
    assert safe_output_path(tmp_path, "a", "b.xlsx") == (tmp_path / "a" / "b.xlsx").resolve()
    assert safe_output_path(str(tmp_path), "1001_张三.xlsx").parent == tmp_path.resolve()


@pytest.mark.parametrize(
    "parts",
    [
        ("..", "x.xlsx"),
        ("../../etc/passwd",),
        ("a", "..", "..", "x"),
        ("/etc/passwd",),
        (".",),
        ("",),
    ],
)
def test_safe_output_path_rejects_escapes(tmp_path: Path, parts: tuple[str, ...]) -> None:
    with pytest.raises(ValueError):
        safe_output_path(tmp_path / "out", *parts)


def test_safe_output_path_rejects_symlink_escape(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "link").symlink_to(tmp_path)
    with pytest.raises(ValueError):
        safe_output_path(out, "link", "x.xlsx")
