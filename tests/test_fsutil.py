"""atomic_write: the whole file or the old one, never half; temporary names never shared."""

import fnmatch
import threading

import pytest

from generator.fsutil import atomic_write, temporary_name
from generator.runlock import TEMP_PATTERNS


def test_the_file_appears_whole_and_nothing_else_is_left(tmp_path):
    target = tmp_path / "new" / "sub" / "report.json"  # missing folders are made
    with atomic_write(target) as tmp:
        assert tmp.parent == target.parent and not target.exists()
        tmp.write_text("{}", encoding="utf-8")
        assert not target.exists()  # not before the block ends
    assert target.read_text(encoding="utf-8") == "{}"
    assert [p.name for p in target.parent.iterdir()] == ["report.json"]


def test_an_error_keeps_the_old_file_and_removes_the_temporary(tmp_path):
    target = tmp_path / "a.ics"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError):
        with atomic_write(target) as tmp, tmp.open("wb") as fh:
            fh.write(b"half of the new")
            raise RuntimeError("disk full")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["a.ics"]


def test_a_block_that_writes_nothing_fails_and_keeps_the_old_file(tmp_path):
    target = tmp_path / "x.xlsx"
    target.write_bytes(b"old")
    with pytest.raises(FileNotFoundError):
        with atomic_write(target):
            pass
    assert target.read_bytes() == b"old"


def test_temporary_names_are_unique_hidden_and_swept_by_the_next_run(tmp_path):
    target = tmp_path / "A1001_张三.xlsx"
    names = {temporary_name(target).name for _ in range(1000)}
    assert len(names) == 1000
    for name in list(names)[:20]:
        assert name.startswith(".A1001_张三.xlsx.") and name.endswith(".tmp")
        assert any(fnmatch.fnmatch(name, pattern) for pattern in TEMP_PATTERNS)


def test_a_long_name_still_fits_the_file_system(tmp_path):
    target = tmp_path / ("客" * 80 + ".xlsx")  # 245 bytes: fits, its temporary name would not
    with atomic_write(target) as tmp:
        assert len(tmp.name.encode()) <= 255
        tmp.write_bytes(b"x")
    assert target.read_bytes() == b"x"


def test_concurrent_writers_of_one_file_never_mix(tmp_path):
    target = tmp_path / "report.json"
    errors: list[BaseException] = []

    def write(n: int) -> None:
        try:
            for _ in range(50):
                with atomic_write(target) as tmp:
                    tmp.write_text(str(n) * 10_000, encoding="utf-8")
        except BaseException as e:  # reported below
            errors.append(e)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    text = target.read_text(encoding="utf-8")
    assert len(text) == 10_000 and len(set(text)) == 1  # one writer's whole file
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]
