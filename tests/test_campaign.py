"""Campaign points: three policies by hand, period and product filters, monthly ranking."""

import pickle
from datetime import date

import pytest

from generator.campaign import ALL_MONTHS, campaign_months, campaign_partial, merge, points
from generator.models import AgentInfo, Book, Record
from generator.rules import Campaign, load_rules

CAMPAIGN = Campaign(name="秋季冲刺", start=date(2026, 9, 1), end=date(2026, 10, 31),
                    products=["终身寿险", "年金险"], points_per_10k={"branch": 1, "agent": 2},
                    monthly_target_points=4)
RULES = load_rules().model_copy(update={"campaigns": [CAMPAIGN]})


def book(agent_id: str, team: str, policies: list[tuple[str, date, float]]) -> Book:
    b = Book(source=f"{agent_id}.xlsx", agent=AgentInfo(agent_id, f"代理人{agent_id[-1]}", team=team))
    b.closed = [Record("成交客户", n, {"product": p, "policy_date": d, "premium": prem, "holder_name": "某客户"})
                for n, (p, d, prem) in enumerate(policies, start=2)]
    return b


BOOKS = [
    book("A1001", "晨星组", [
        ("终身寿险", date(2026, 9, 15), 30_000.0),   # in: 30,000 / 10,000 × 2 = 6 points (Sep)
        ("年金险", date(2026, 10, 3), 15_000.0),     # in: 3 points (Oct)
        ("终身寿险", date(2026, 10, 31), 5_000.0),   # in (last day): 1 point (Oct)
        ("终身寿险", date(2026, 11, 1), 40_000.0),   # out of the period
        ("医疗险", date(2026, 9, 20), 20_000.0),     # product not in the campaign
    ]),
    book("A1002", "晨星组", [("年金险", date(2026, 9, 1), 20_000.0)]),  # first day: 4 points (Sep)
    book("A1003", "启航组", []),
]


@pytest.fixture(scope="module")
def result():
    [r] = merge((campaign_partial(b, RULES) for b in BOOKS), RULES)
    return r


def line(s):
    return (s.rank, s.key, s.policies, s.premium, s.points, s.target, s.achieved)


def test_points_for_three_policies_by_hand(result):
    assert points(30_000, 2) + points(15_000, 2) + points(5_000, 2) == 10.0
    assert result.months == ["2026-09", "2026-10"]
    assert [line(s) for s in result.agents["2026-09"]] == [
        (1, "A1001", 1, 30_000.0, 6.0, 4, 1.5),
        (2, "A1002", 1, 20_000.0, 4.0, 4, 1.0),
        (3, "A1003", 0, 0.0, 0.0, 4, 0.0),
    ]
    # October: A1001 3 + 1 points; the two agents with nothing share rank 2.
    assert [line(s) for s in result.agents["2026-10"]] == [
        (1, "A1001", 2, 20_000.0, 4.0, 4, 1.0),
        (2, "A1002", 0, 0.0, 0.0, 4, 0.0),
        (2, "A1003", 0, 0.0, 0.0, 4, 0.0),
    ]
    # Whole period: target = 4 points × 2 months.
    assert [line(s) for s in result.agents[ALL_MONTHS]][0] == (1, "A1001", 3, 50_000.0, 10.0, 8, 1.25)


def test_teams_and_branch(result):
    assert [(s.rank, s.key, s.agents, s.premium, s.points, s.target) for s in result.teams["2026-09"]] == [
        (1, "晨星组", 2, 50_000.0, 10.0, 8), (2, "启航组", 1, 0.0, 0.0, 4)]
    # The branch earns 1 point per 10,000 yuan.
    assert result.branch == {"2026-09": (2, 50_000.0, 5.0), "2026-10": (2, 20_000.0, 2.0),
                             ALL_MONTHS: (4, 70_000.0, 7.0)}


def test_partial_holds_no_client_data_and_pickles():
    part = campaign_partial(BOOKS[0], RULES)
    assert part.cells == {"秋季冲刺": {"2026-09": (1, 30_000.0), "2026-10": (2, 20_000.0)}}
    assert "某客户" not in repr(part.to_dict())
    assert pickle.loads(pickle.dumps(part)) == part


def test_merge_adds_two_books_of_one_agent(result):
    split = [book("A1001", "晨星组", [("终身寿险", date(2026, 9, 15), 30_000.0)]),
             book("A1001", "晨星组", [("年金险", date(2026, 10, 3), 15_000.0),
                                      ("终身寿险", date(2026, 10, 31), 5_000.0)]), *BOOKS[1:]]
    [again] = merge([campaign_partial(b, RULES) for b in split], RULES)
    assert again.to_dict() == result.to_dict()


def test_all_products_and_month_span():
    rules = RULES.model_copy(update={"campaigns": [CAMPAIGN.model_copy(update={"products": "all"})]})
    [r] = merge([campaign_partial(BOOKS[0], rules)], rules)
    assert r.agents[ALL_MONTHS][0].premium == 70_000.0  # the 医疗险 policy counts now
    c = Campaign(name="跨年", start=date(2026, 11, 15), end=date(2027, 2, 1))
    assert campaign_months(c) == ["2026-11", "2026-12", "2027-01", "2027-02"]


def test_campaign_period_must_be_ordered():
    with pytest.raises(ValueError):
        Campaign(name="x", start=date(2026, 2, 1), end=date(2026, 1, 1))


def test_default_rules_carry_the_sample_campaign():
    [c] = load_rules().campaigns
    assert (c.points_per_10k.branch, c.points_per_10k.agent) == (1, 2) and c.monthly_target_points > 0
