"""Excel error cells and formulas without a saved result, found in the sheet XML."""

from generator.xlsx_cells import cell_notes
from generator.zipguard import check_zip

from corpus.make_corpus import _book, closed, rezip

_HEAD = (b'<?xml version="1.0" encoding="UTF-8"?>\n<x:worksheet '
         b'xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><x:sheetData>')


def test_error_and_unsaved_formula_cells_with_and_without_references(tmp_path):
    src = _book(tmp_path / "src.xlsx", [closed(1)])
    sheet = _HEAD + (
        b'<x:row r="1"><x:c r="A1" t="e"><x:f>NA()</x:f><x:v>#N/A</x:v></x:c>'
        b'<x:c r="C1"><x:f>1+1</x:f></x:c>'  # no <v> at all
        b'<x:c r="D1" t="str"><x:f>IF(1,"","x")</x:f><x:v></x:v></x:c>'  # a real empty-text result
        b'<x:c r="E1"><x:f>1+1</x:f><x:v>2</x:v></x:c></x:row>'
        b'<x:row><x:c><x:f t="shared" si="0"/><x:v/></x:c><x:c t="e"><x:v>#REF!</x:v></x:c></x:row>'
        b"</x:sheetData></x:worksheet>")
    path = rezip(src, tmp_path / "b.xlsx", {"xl/worksheets/sheet1.xml": sheet})
    parts = check_zip(path)
    assert parts == {"xl/worksheets/sheet1.xml"}
    notes = cell_notes(path, parts, ["成交客户"])["成交客户"]
    assert [(n.row, n.col, n.code, n.value) for n in notes] == [
        (1, 0, "excel-error-cell", "#N/A"), (1, 2, "formula-no-value", "=1+1"),
        (2, 0, "formula-no-value", "=…"), (2, 1, "excel-error-cell", "#REF!")]


def test_a_book_without_formulas_is_not_scanned_again(tmp_path):
    assert check_zip(_book(tmp_path / "b.xlsx", [closed(i) for i in range(50)])) == set()
