"""A broken knowledge file gives one `file:line: reason` per problem, exit 1, no traceback."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from advisor.cli import main
from advisor.kb.loader import KBError, load_kb


def _problems(directory: Path) -> list[str]:
    with pytest.raises(KBError) as info:
        load_kb(directory)
    return [str(p) for p in info.value.problems]


def _line_of(path: Path, needle: str) -> int:
    for i, line in enumerate(path.read_text().splitlines(), 1):
        if needle in line:
            return i
    raise AssertionError(f"{needle!r} not in {path}")


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def test_bad_yaml(kb_copy: Path) -> None:
    f = kb_copy / "questions.yaml"
    _replace(f, "  text: Which way do the failing calls go?", "  text: [unclosed")
    line = _line_of(f, "[unclosed")
    problems = _problems(kb_copy)
    assert len(problems) == 1
    assert re.match(rf"knowledge/questions.yaml:{line + 1}: invalid YAML", problems[0]) or \
        re.match(rf"knowledge/questions.yaml:{line}: invalid YAML", problems[0])


def test_unknown_field(kb_copy: Path) -> None:
    f = kb_copy / "causes" / "audio.yaml"
    _replace(f, "  title: The PBX puts its LAN address in the SDP it sends\n",
             "  title: The PBX puts its LAN address in the SDP it sends\n  severity: high\n")
    line = _line_of(f, "severity: high")
    assert _problems(kb_copy) == [f"knowledge/causes/audio.yaml:{line}: severity: unknown field"]


def test_wrong_type(kb_copy: Path) -> None:
    f = kb_copy / "questions.yaml"
    _replace(f, "  observation: call_direction\n  cost: 1", "  observation: call_direction\n  cost: cheap")
    line = _line_of(f, "cost: cheap")
    problems = _problems(kb_copy)
    assert len(problems) == 1 and problems[0].startswith(f"knowledge/questions.yaml:{line}: cost:")


def test_unknown_reference(kb_copy: Path) -> None:
    f = kb_copy / "causes" / "termination.yaml"
    _replace(f, "    dns_resolves_termination_uri: \"no\"\n", "    dns_resolves_termination_urii: \"no\"\n")
    line = _line_of(f, "dns_resolves_termination_urii")
    assert f"knowledge/causes/termination.yaml:{line}: unknown observation 'dns_resolves_termination_urii'" in _problems(kb_copy)


def test_unknown_value(kb_copy: Path) -> None:
    f = kb_copy / "causes" / "origination.yaml"
    _replace(f, "    ok_contact_private: \"yes\"\n", "    ok_contact_private: \"maybe\"\n")
    line = _line_of(f, "ok_contact_private: \"maybe\"")
    problems = _problems(kb_copy)
    assert any(p.startswith(f"knowledge/causes/origination.yaml:{line}: 'maybe' is not a value of ok_contact_private")
               for p in problems), problems


def test_duplicate_id(kb_copy: Path) -> None:
    f = kb_copy / "causes" / "audio.yaml"
    _replace(f, "- id: audio.inbound.firewall_blocks_rtp", "- id: audio.inbound.sdp_private_ip")
    second = [i for i, line in enumerate(f.read_text().splitlines(), 1) if line == "- id: audio.inbound.sdp_private_ip"][1]
    assert f"knowledge/causes/audio.yaml:{second}: duplicate cause id 'audio.inbound.sdp_private_ip'" in _problems(kb_copy)


def test_duplicate_id_across_files(kb_copy: Path) -> None:
    f = kb_copy / "causes" / "audio.yaml"
    _replace(f, "- id: audio.inbound.firewall_blocks_rtp", "- id: term.403.acl_mismatch")
    line = _line_of(f, "- id: term.403.acl_mismatch")
    assert any(p.startswith(f"knowledge/causes/audio.yaml:{line}: duplicate cause id") for p in _problems(kb_copy))


def test_duplicate_key(kb_copy: Path) -> None:
    f = kb_copy / "observations.yaml"
    _replace(f, "- id: call_direction\n  type: enum\n", "- id: call_direction\n  type: enum\n  type: bool\n")
    line = _line_of(f, "  type: bool")
    assert f"knowledge/observations.yaml:{line}: duplicate key 'type'" in _problems(kb_copy)


def test_several_problems_all_reported(kb_copy: Path) -> None:
    _replace(kb_copy / "questions.yaml", "  cost: 1\n", "  cost: 9\n")
    _replace(kb_copy / "causes" / "audio.yaml", "  fix:\n", "  fixes:\n")
    problems = _problems(kb_copy)
    assert any("questions.yaml" in p and "cost" in p for p in problems)
    assert any("audio.yaml" in p and "fixes: unknown field" in p for p in problems)


def test_missing_catalog_cause_fails_check(kb_copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _replace(kb_copy / "catalog.yaml", "  - term.503.cps_limit\n", "  - term.503.cps_limit\n  - term.999.invented\n")
    assert main(["--kb", str(kb_copy), "kb", "check"]) == 1
    out = capsys.readouterr().out
    assert "catalog cause 'term.999.invented' has no entry" in out


def test_cli_prints_lines_and_exits_1(kb_copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _replace(kb_copy / "causes" / "audio.yaml", "  fix:\n", "  fixes:\n")
    assert main(["--kb", str(kb_copy), "kb", "check"]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert all(re.match(r"^\S+:\d+: ", line) for line in err.strip().splitlines())


def test_missing_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--kb", str(tmp_path / "nope"), "kb", "check"]) == 1
    assert "knowledge directory not found" in capsys.readouterr().err
