"""/pricing: the four plans from plans.json, derived cost per asset, the plan advisor."""

import re

import pytest

from fluxnote.billing.services import advise
from fluxnote.plans import all_plans, get_plan


def plan_card(html: str, plan_id: str) -> str:
    return re.search(rf'data-plan="{plan_id}">(.*?)</article>', html, re.S).group(1)


@pytest.mark.parametrize(
    "plan_id, video, image",
    [
        ("rise", "$0.38 per video", "$0.008 per image"),
        ("pro", "$0.30 per video", "$0.007 per image"),
        ("max", "$0.20 per video", "$0.006 per image"),
    ],
)
def test_pricing_shows_cost_per_asset_derived_from_the_price(client, plan_id, video, image):
    card = plan_card(client.get("/pricing").data.decode(), plan_id)
    assert video in card and image in card


def test_pricing_lists_the_four_plans_from_the_data_file(client):
    html = client.get("/pricing").data.decode()
    assert [p.id for p in all_plans()] == ["free", "rise", "pro", "max"]
    assert re.findall(r'<article class="card plan[^"]*" data-plan="(\w+)"', html) == [
        "free",
        "rise",
        "pro",
        "max",
    ]
    assert "$7.99" in plan_card(html, "rise") and "1,000</b> image credits" in plan_card(
        html, "rise"
    )
    assert "Priority queue" in plan_card(html, "max")
    assert "Priority queue" not in plan_card(html, "pro")


def test_cost_per_asset_arithmetic():
    assert get_plan("rise").cost_per("video") == pytest.approx(0.3805, abs=1e-4)
    assert get_plan("pro").cost_per("image") == pytest.approx(15 / 2100)
    assert get_plan("free").cost_per("video") is None


def test_advisor_picks_the_cheapest_plan_covering_need_plus_buffer():
    advice = advise(4, variations=4, images_per_video=10, members=1)
    assert (advice.videos, advice.images) == (16, 40)
    assert (advice.buffered_videos, advice.buffered_images) == (20, 50)
    assert advice.plan.id == "rise"
    assert advise(5).plan.id == "pro"  # 20 videos × 1.25 = 25 > Rise's 21
    assert advise(30).plan.id == "max"
    assert advise(0).plan.id == "free"
    huge = advise(100, members=3)
    assert huge.plan is None and "10 Max workspaces" in huge.lines[-1]


def test_advisor_shows_its_arithmetic_on_the_page(client):
    html = client.get("/pricing?videos=10&variations=4&images=10&members=2").data.decode()
    assert "Recommended: <b data-advice-plan>Max</b>" in html
    assert "10 videos × 4 variations × 2 members = 80" in html
    assert "10 videos × 10 images × 2 members = 200" in html
    assert "With a 25 % buffer: 100 video and 250 image credits a month" in html


def test_advisor_htmx_request_gets_only_the_fragment(client):
    r = client.get(
        "/pricing?videos=4&variations=4&images=10&members=1", headers={"HX-Request": "true"}
    )
    html = r.data.decode()
    assert r.status_code == 200
    assert html.lstrip().startswith('<div id="advisor-result"')
    assert "<html" not in html and "data-plan=" not in html
    assert "Recommended: <b data-advice-plan>Rise</b>" in html


def test_advisor_survives_nonsense_input(client):
    r = client.get("/pricing?videos=abc&variations=-5&members=0", headers={"HX-Request": "true"})
    assert r.status_code == 200
    html = r.data.decode()
    assert "20 videos × 1 variation × 1 member = 20" in html
    assert "Recommended: <b data-advice-plan>Pro</b>" in html


def test_paid_plan_buttons_lead_through_signup_to_the_plan_settings(client):
    html = client.get("/pricing").data.decode()
    assert 'href="/signup">Start free</a>' in html
    assert 'href="/signup?next=/settings">Start with Pro</a>' in html
