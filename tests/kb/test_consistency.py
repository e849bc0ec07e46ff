"""The consistency lint finds causes that the facts' implications contradict, with file:line."""

from __future__ import annotations

from pathlib import Path

from advisor.kb.lint import lint
from advisor.kb.loader import KnowledgeBase, load_kb


def _inconsistent(directory: Path) -> list[str]:
    return [str(f) for f in lint(load_kb(directory)) if f.severity == "error" and "inconsistent" in f.message]


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def test_the_shipped_knowledge_is_consistent(kb: KnowledgeBase) -> None:
    assert [str(f) for f in lint(kb) if "inconsistent" in f.message] == []


def test_an_alternative_confirmable_only_by_facts_that_rule_it_out(kb_copy: Path) -> None:
    f = kb_copy / "causes" / "termination.yaml"
    # an INVITE in the PBX's own log is an inbound fact: it implies origination, which rules ACL out
    _replace(f, '''    invite_final_status: "403"
    rejected_invite_had_credentials: "no"
    source_ip_in_acl: "no"''', '''    - invite_final_status: "403"
      rejected_invite_had_credentials: "no"
      source_ip_in_acl: "no"
    - invite_final_status: "403"
      invite_in_pbx_logs: "yes"''')
    found = _inconsistent(kb_copy)
    assert any("termination.yaml:" in x and "rule it out" in x and "call_direction" in x for x in found), found


def test_a_cause_left_possible_under_another_familys_symptom(kb_copy: Path) -> None:
    f = kb_copy / "causes" / "audio.yaml"
    text = f.read_text()
    start = text.index("- id: audio.inbound.sdp_private_ip")
    block = text[start:text.index("- id: audio.inbound.firewall_blocks_rtp")]
    loose = block.replace('    call_answered: {is: "no", weight: 1.0}\n', "").replace(
        "    invite_final_status: {not: [\"2xx\"], weight: 1.0}\n", "").replace(
        "    call_outcome: {in: [no_response, rejected, timeout, not_delivered, completes_normally], weight: 1.0}\n",
        "    call_outcome: {in: [completes_normally], weight: 1.0}\n")
    f.write_text(text.replace(block, loose))
    found = _inconsistent(kb_copy)
    assert any("audio.yaml:" in x and "still be met under" in x and "term_403" in x for x in found), found


def test_a_cause_beyond_the_guide_needs_sources(kb_copy: Path) -> None:
    f = kb_copy / "causes" / "beyond.yaml"
    _replace(f, "  sources:\n    - https://www.twilio.com/docs/api/errors/32200\n", "")
    found = [str(x) for x in lint(load_kb(kb_copy)) if "sources" in x.message]
    assert any("beyond.yaml:" in x and "term.403.no_trunk_authentication" not in x for x in found), found


def test_every_cause_of_one_direction_is_ruled_out_by_the_other(kb: KnowledgeBase) -> None:
    assert not [str(f) for f in lint(kb) if "stays possible on a" in f.message]
