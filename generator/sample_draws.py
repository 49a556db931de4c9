"""The sample's random draws (示例数据的随机取值): names, phones, dates, ratings, addresses.

Everything comes from one ``random.Random(seed)`` held by a :class:`Draws`, one per sample,
so the same seed gives the same books; the order of the draws is part of the output.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from .premiums import due_dates, next_due_date
from .sample_books import Cell
from .sample_words import CITIES, GIVEN_CHARS, MOBILE_PREFIXES, RATING_WORDS, ROADS, SOURCE_SYNONYMS, SURNAMES


class Draws:
    """Draws everything from one Random; one instance per sample."""

    def __init__(self, seed: int, today: date) -> None:
        self.rng = random.Random(seed)
        # 已交至 is drawn from its own stream so adding it left every other value as it was.
        self.paid_rng = random.Random(seed * 7919 + 1)
        self.today = today
        self.phones: set[str] = set()
        self.policy_nos: set[str] = set()
        self.surname_weights = [len(SURNAMES) - i for i in range(len(SURNAMES))]

    def paid_to(self, policy_date: date, mode: str, years: int | None) -> date | None:
        """已交至 on about a quarter of periodic policies: usually the next due date (paid
        up), now and then the one before it (an instalment not paid yet)."""
        if mode == "趸交" or self.paid_rng.random() >= 0.25:
            return None
        found = next_due_date(policy_date, mode, years, on_or_after=self.today)
        if found is None:
            return None
        if self.paid_rng.random() < 0.1:
            before = due_dates(policy_date, mode, years, found - timedelta(days=370), found - timedelta(days=1))
            return before[-1] if before else found
        return found

    # -- small draws -------------------------------------------------------------------
    def surname(self) -> str:
        return self.rng.choices(SURNAMES, self.surname_weights)[0]

    def given(self) -> str:
        n = 1 if self.rng.random() < 0.3 else 2
        return "".join(self.rng.choice(GIVEN_CHARS) for _ in range(n))

    def name(self, taken: set[str], surname: str | None = None) -> str:
        while True:
            n = (surname or self.surname()) + self.given()
            if n not in taken:
                taken.add(n)
                return n

    def phone(self) -> str:
        while True:
            p = self.rng.choice(MOBILE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"
            if p not in self.phones:
                self.phones.add(p)
                return p

    def days_ago(self, lo: int, hi: int) -> date:
        return self.today - timedelta(days=self.rng.randint(lo, hi))

    def date_cell(self, d: date, text_share: float = 0.15) -> Cell:
        """A date as a real date mostly, else as text in one of the accepted forms."""
        if self.rng.random() >= text_share:
            return d
        form = self.rng.randrange(4)
        if form == 0:
            return f"{d.year}/{d.month}/{d.day}"
        if form == 1:
            return f"{d.year}年{d.month}月{d.day}日"
        if form == 2:
            return d.strftime("%Y%m%d")
        return d.isoformat()

    def month_day(self, lunar: bool) -> str:
        month = self.rng.randint(1, 12)
        day = self.rng.randint(1, 29 if lunar else 28)
        return f"{month}月{day}日"

    def rating(self, key: str, value: str) -> str:
        words, synonyms = RATING_WORDS[key]
        if self.rng.random() < 0.08:
            return self.rng.choice(synonyms[value])
        return value

    def ratings(self, forced: tuple[str, str, str] | None = None) -> dict[str, str]:
        if forced:
            return dict(zip(RATING_WORDS, forced))
        return {
            "经济条件": "好" if self.rng.random() < 0.4 else "一般",
            "保险意识": "强" if self.rng.random() < 0.45 else "一般",
            "影响力": "广" if self.rng.random() < 0.35 else "一般",
        }

    def address(self) -> str:
        city, districts = self.rng.choice(CITIES)
        return (
            f"{city}{self.rng.choice(districts)}{self.rng.choice(ROADS)}{self.rng.randint(1, 399)}号"
            f"{self.rng.randint(1, 30)}幢{self.rng.randint(1, 26)}0{self.rng.randint(1, 4)}室"
        )

    def policy_no(self, year: int) -> str:
        while True:
            if self.rng.random() < 0.15:
                no = f"0{year % 100:02d}{self.rng.randrange(10**11):011d}"
            else:
                no = f"P{year}{self.rng.randrange(10**10):010d}"
            if no not in self.policy_nos:
                self.policy_nos.add(no)
                return no

    def source_word(self, source: str) -> str:
        if self.rng.random() < 0.1:
            return self.rng.choice(SOURCE_SYNONYMS[source])
        return source

    def birthday(self, age_lo: int, age_hi: int) -> tuple[Cell, str | None]:
        """(birthday cell, calendar cell)."""
        r = self.rng.random()
        if r < 0.15:
            return None, None
        lunar = self.rng.random() < 0.3
        if r < 0.4:
            cell: Cell = self.month_day(lunar)
        else:
            born = self.today - timedelta(days=self.rng.randint(age_lo * 365, age_hi * 365))
            if lunar and born.day > 29:
                born = born.replace(day=29)
            cell = self.date_cell(born, 0.3)
        cal: str | None
        if lunar:
            cal = "阴历" if self.rng.random() < 0.1 else "农历"
        else:
            c = self.rng.random()
            cal = None if c < 0.3 else ("阳历" if c < 0.35 else "公历")
        return cell, cal
