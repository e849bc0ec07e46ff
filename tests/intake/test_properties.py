"""Any text at all: the intake never fails, and every applied fact quotes words
that are really in the text (explainable, never invented)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from advisor.intake.understand import Intake

WORDS = st.sampled_from(["outbound", "inbound", "403", "Forbidden", "no", "not", "drops", "after", "30", "seconds",
                         "can't", "hear", "we", "the caller", "SIP/2.0", "407", "32201", "+14155550100", "trial",
                         "one-way", "audio", ",", ".", "\n", "outbund", "half a minute", "192.168.1.1", "415"])
TEXT = st.one_of(st.text(max_size=200), st.lists(WORDS, max_size=25).map(" ".join))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=TEXT)
def test_understanding_is_total_and_quotes_the_text(intake: Intake, text: str) -> None:
    u = intake.understand(text)
    flat = " ".join(text.split())
    for fact in u.understood:
        assert 0 <= fact.confidence <= 1
        if fact.words.startswith("derived ("):
            continue
        for piece in fact.words.split(" … "):
            assert piece in flat, (piece, text)
    applied = [f.observation for f in u.applied()]
    assert len(applied) == len(set(applied))  # one value per observation, never two
