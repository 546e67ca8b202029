"""Ideas over twenty varied requests, asked as a marketer would (rules backend, demo data):
each gets a first card of its own, no card is its parent again, and every card says true things."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from assistant.api import Assistant
from assistant.ideas import SAME_AS_PARENT, STANDOUT, own_categories
from assistant.spec import SegmentSpec

REQUESTS = [
    "women in Texas",
    "frequent outdoor buyers",
    "lapsed customers",
    "champions",
    "iPhone users",
    "customers who bought electronics last month",
    "big spenders in California",
    "new customers",
    "at-risk customers",
    "men aged 25-34",
    "people who abandoned a cart this month",
    "customers in Germany",
    "gold members",
    "unhappy customers",
    "customers who opened an email in the last 30 days",
    "beauty buyers",
    "students",
    "one-time buyers",
    "eco-conscious shoppers",
    "platinum members in the UK",
]


@pytest.fixture(scope="module")
def answers(demo_db: Path, tmp_path_factory: pytest.TempPathFactory):
    db = tmp_path_factory.mktemp("varied") / "retail.duckdb"
    shutil.copyfile(demo_db, db)
    assistant = Assistant.open(db, backend="rules")
    CATALOGS.append(assistant.catalog)
    return {request: assistant.ask(request) for request in REQUESTS}


CATALOGS: list = []


def _categories(answer) -> frozenset:
    spec = SegmentSpec.model_validate(answer.spec) if answer.spec else None
    return frozenset(own_categories(CATALOGS[0], spec)) if spec else frozenset()


def test_every_request_gets_ideas(answers):
    for request, answer in answers.items():
        assert answer.count, request
        assert 4 <= len(answer.ideas.ideas) <= 8, request


def test_no_two_requests_share_a_first_card_unless_they_share_categories(answers):
    seen: dict[str, str] = {}
    for request, answer in answers.items():
        first = answer.ideas.ideas[0].title
        if first in seen:
            other = answers[seen[first]]
            assert _categories(answer) & _categories(other), (request, seen[first], first)
        seen[first] = request


def test_no_card_is_its_parent_again(answers):
    for request, answer in answers.items():
        for idea in answer.ideas.ideas:
            if idea.type == "broadened" or idea.title.startswith("Look-alikes"):
                continue  # not a part of the parent: a looser or an outside segment
            assert idea.count < SAME_AS_PARENT * answer.count, (request, idea.title)


def test_what_a_card_says_about_its_share_is_true(answers):
    for request, answer in answers.items():
        parent = answer.count
        for idea in answer.ideas.ideas:
            if idea.parts:
                headline = next(p for p in idea.parts if p.sql == idea.sql)
                assert headline.label in idea.title, (request, idea.title)
                said = re.search(r"stand out \(([\d.]+)×\)", idea.title)
                if said:
                    assert headline.lift >= STANDOUT
                    assert float(said.group(1)) == pytest.approx(headline.lift, abs=0.05)
                lead = re.search(r"lead \((\d+)%\)", idea.title)
                if lead:
                    assert int(lead.group(1)) == round(100 * headline.count / parent)
            share = re.search(r": (\d+)% of them$", idea.title)
            if share:
                assert int(share.group(1)) == round(100 * idea.count / parent), idea.title
