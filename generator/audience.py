"""Festival greetings by person: 妇女节 to women, 七夕 to couples — when the book says so.

A festival in the rules may name ``gender`` (女 / 男) and ``couples`` (married clients).
The optional columns 性别 and 婚姻状况 say who a client is; a closed client's rows are
read in the order given (newest first in the planner): the first row that fills a column
wins. A blank column greets the client all the same: leaving a woman out of 妇女节
because nobody typed 女 is worse than greeting one client too many.

    >>> from generator.rules import Festival
    >>> f = Festival(name="妇女节", month=3, day=8, gender="女", action="问候")
    >>> fits_person(f, gender="男", marital=None), fits_person(f, gender=None, marital=None)
    (False, True)
"""

from __future__ import annotations

from collections.abc import Iterable

from .models import Record
from .rules import Festival

__all__ = ["MARRIED", "person_of", "fits_person", "fits_records"]

MARRIED = "已婚"


def person_of(records: Iterable[Record]) -> tuple[str | None, str | None]:
    """(性别, 婚姻状况) of a client: the first row that fills each."""
    gender = marital = None
    for rec in records:
        gender = gender or rec.get("gender")
        marital = marital or rec.get("marital")
    return gender, marital


def fits_person(fest: Festival, *, gender: str | None, marital: str | None) -> bool:
    """Whether the festival's person filters let this client through (unknown passes)."""
    if fest.gender and gender and gender != fest.gender:
        return False
    if fest.couples and marital and marital != MARRIED:
        return False
    return True


def fits_records(fest: Festival, records: Iterable[Record]) -> bool:
    """:func:`fits_person` for a client given by its rows."""
    gender, marital = person_of(records)
    return fits_person(fest, gender=gender, marital=marital)
