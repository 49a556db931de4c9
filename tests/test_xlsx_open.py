"""One way to open an input workbook (generator.xlsx_open): agent books, the survey and the
complaints log refuse the same files with the same messages, read names that are not
UTF-8, and release the file when done, even when the reader gives up on it."""

import os
import shutil
import zipfile
from pathlib import Path

import pytest

from generator.complaints import read_complaints
from generator.issues import make_issue
from generator.read import read_source
from generator.rules import load_rules
from generator.sample_branch import SAMPLE_TODAY, make_branch_sample
from generator.sources import discover
from generator.survey import branch_file_kind, read_branch_sheet, read_survey
from generator.zipguard import UnreadableFile

RULES = load_rules()
READERS = {
    "survey": lambda path, display=None: read_survey(path, RULES, display=display),
    "complaints": lambda path, display=None: read_complaints(path, RULES, SAMPLE_TODAY, display=display),
}


@pytest.fixture(scope="module")
def branch_files(tmp_path_factory) -> dict[str, Path]:
    survey, complaints = make_branch_sample(tmp_path_factory.mktemp("branch"), respondents=12, complaints=8)
    return {"survey": survey, "complaints": complaints}


def _gbk_copy(src: Path, folder: Path) -> Path:
    """A copy of ``src`` whose file name is its stem in GBK bytes (not valid UTF-8)."""
    raw = os.fsencode(folder) + b"/" + src.stem.encode("gbk") + b".xlsx"
    shutil.copyfile(src, raw)
    return Path(os.fsdecode(raw))


@pytest.mark.parametrize("kind", ["survey", "complaints"])
def test_a_branch_file_whose_name_is_not_utf8_is_read_like_its_twin(kind, branch_files, tmp_path):
    odd = _gbk_copy(branch_files[kind], tmp_path)
    with pytest.raises(UnicodeEncodeError):
        str(odd).encode("utf-8")
    assert branch_file_kind(odd) == kind
    display = branch_files[kind].name
    twin, read = READERS[kind](branch_files[kind]), READERS[kind](odd, display)
    assert read.status == twin.status != "failed"
    assert [i.code for i in read.issues] == [i.code for i in twin.issues]
    assert read.rows == twin.rows and read.rows.accepted > 0
    if kind == "survey":
        assert read.responses == twin.responses
    else:
        assert read.complaints == twin.complaints


def _holds(path: Path) -> bool:
    """Whether this process has ``path`` open (Linux: /proc/self/fd)."""
    for fd in os.listdir("/proc/self/fd"):
        try:
            if os.readlink(f"/proc/self/fd/{fd}") == str(path):
                return True
        except OSError:
            continue
    return False


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc/self/fd to see open files")
@pytest.mark.parametrize("kind", ["survey", "complaints"])
def test_a_branch_file_is_closed_even_while_its_error_is_kept(kind, branch_files, tmp_path):
    # The other kind's file has no sheet of this kind: the reader gives up on it. A caller
    # that keeps the error (a log, a report) must not keep the file open with it: Windows
    # could not move or replace the file then.
    other = tmp_path / "other.xlsx"
    shutil.copyfile(branch_files["complaints" if kind == "survey" else "survey"], other)
    with pytest.raises(UnreadableFile) as caught:
        read_branch_sheet(other, kind)
    assert caught.value.code == "no-data-sheets"
    assert not _holds(other)
    read_branch_sheet(branch_files[kind], kind)
    assert not _holds(branch_files[kind])


def _broken_files(folder: Path, good: Path) -> dict[str, Path]:
    """Files named .xlsx (or not) that no reader can take, one per way of being broken."""
    files = {
        "empty": b"",
        "renamed-csv": "客户编号,姓名\nC001,张三\n".encode("utf-8-sig"),
        "old-xls-or-password": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504,
        "truncated": good.read_bytes()[:600],
    }
    out = {}
    for name, data in files.items():
        (out_path := folder / f"{name}.xlsx").write_bytes(data)
        out[name] = out_path
    no_parts = folder / "no-parts.xlsx"  # a zip, but no workbook inside
    with zipfile.ZipFile(no_parts, "w") as zf:
        zf.writestr("hello.txt", "你好")
    out["no-parts"] = no_parts
    return out


@pytest.mark.parametrize("kind", ["survey", "complaints"])
def test_an_unreadable_branch_file_is_refused_like_an_agent_book(kind, branch_files, tmp_path):
    for case, path in _broken_files(tmp_path, branch_files[kind]).items():
        # The same bytes as an agent book: the message the run gives for it.
        (source,) = [s for s in discover(path.parent) if s.path == path]
        with pytest.raises(UnreadableFile) as as_book:
            read_source(source)
        data = READERS[kind](path, f"分公司/{path.name}")
        assert data.status == "failed", case
        (issue,) = data.issues
        book_issue = make_issue(as_book.value.code, file=issue.file, detail=as_book.value.detail)
        assert (issue.code, issue.message, issue.hint) == (book_issue.code, book_issue.message, book_issue.hint), case
        assert issue.code in ("file-empty", "file-unreadable"), case
        assert issue.file == f"分公司/{path.name}", case
        assert sum("\u4e00" <= ch <= "\u9fff" for ch in issue.message) >= 4, case
