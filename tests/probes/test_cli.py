"""`advisor probe ...` and `advisor diagnose --probe/--probe-results`: output, JSON, exit codes."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from advisor.cli import main
from tests.probes.servers import Kamailio, Unbound


def _json(capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    return json.loads(capsys.readouterr().out)  # type: ignore[no-any-return]


def test_silent_target_ends_within_the_timeout_with_exit_1(kamailio: Kamailio,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    t0 = time.monotonic()
    code = main(["probe", "options", kamailio.uri("silent"), "--json", "--timeout", "1"])
    assert time.monotonic() - t0 < 2.0
    doc = _json(capsys)
    assert code == 1
    results = doc["results"]
    assert isinstance(results, list) and results[0]["outcome"] == "timeout"
    assert doc["where"] == "engineer"


def test_answered_options_reads_well(kamailio: Kamailio, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["probe", "options", kamailio.uri("ok")]) == 0
    out = capsys.readouterr().out
    assert "[ok ] options (carrier)" in out and "200 OK" in out
    assert "answers nothing: from engineer this proves nothing about options_ping_to_carrier" in out
    assert "busiest second per host: 127.0.0.1:" in out


def test_dry_run_prints_the_request(kamailio: Kamailio, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["probe", "options", kamailio.uri("ok"), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "would send:" in out and f"OPTIONS sip:ok@127.0.0.1:{kamailio.udp} SIP/2.0" in out
    assert "Timer E" in out


def test_dns_with_a_given_server(unbound: Unbound, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["probe", "dns", "trunk.probe.test", "--dns-server", unbound.server, "--json"]) == 0
    doc = _json(capsys)
    results = doc["results"]
    assert isinstance(results, list) and results[0]["details"]["addresses"] == "127.0.0.1, ::1, 127.0.0.2"


def test_numbers_and_address(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["probe", "numbers", "+14155550100", "--from", "+442079460000"]) == 0
    out = capsys.readouterr().out
    assert "answers: destination_international=yes" in out and "answers: dialed_number_e164=yes" in out
    assert main(["probe", "address", "100.64.0.1", "--role", "pbx_sdp"]) == 0
    assert "answers: pbx_sdp_address=private" in capsys.readouterr().out


@pytest.mark.parametrize("argv, message", [
    (["probe", "options", "http://x"], "not a SIP URI"),
    (["probe", "options", "sip:127.0.0.1", "--timeout", "0"], "--timeout"),
    (["probe", "address", "10.0.0.1", "--role", "nope"], "unknown role 'nope'"),
    (["probe", "dns", "x.test", "--dns-server", "a:b"], "HOST[:PORT]"),
    (["probe", "port", "127.0.0.1:notaport"], "not HOST:PORT"),
    (["probe", "numbers", "+1", "--where", "mars"], "--where 'mars'"),
    (["diagnose", "--probe", "ping=1.2.3.4"], "unknown probe 'ping'"),
    (["diagnose", "--probe", "options=sip:127.0.0.1,colour=red"], "unknown option 'colour=red'"),
    (["probe", "kit", "-o", "/dev/null/x.py", "--probe", "numbers=+14155550100"], "the kit runs"),
])
def test_bad_usage_is_one_line_exit_2(argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0] and "Traceback" not in err[0]


def test_diagnose_with_a_probe_narrows_the_candidates(capsys: pytest.CaptureFixture[str]) -> None:
    # a 400 to a termination call: either the dialled number is not E.164 or something else;
    # the numbers probe settles the form of the number without asking
    assert main(["diagnose", "-a", "symptom=term_400_invalid_number", "--json"]) == 0
    before = _json(capsys)
    assert main(["diagnose", "-a", "symptom=term_400_invalid_number", "--probe", "numbers=4155550100", "--json"]) == 0
    after = _json(capsys)
    obs = {o["id"]: o for o in after["observations"]}  # type: ignore[union-attr]
    assert obs["dialed_number_e164"]["value"] == "no"
    assert obs["dialed_number_e164"]["source"]["kind"] == "probe"
    assert obs["dialed_number_e164"]["source"]["detail"].startswith("numbers@engineer")
    alive = [c["id"] for c in before["causes"] if c["status"] != "ruled_out"]  # type: ignore[union-attr]
    confirmed = [c["id"] for c in after["causes"] if c["status"] == "confirmed"]  # type: ignore[union-attr]
    assert "term.400.dialed_number_not_e164" in alive and confirmed == ["term.400.dialed_number_not_e164"]


def test_probe_results_that_are_not_a_kit_document(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "results.json"
    bad.write_text("{not json")
    assert main(["diagnose", "--probe-results", str(bad)]) == 2
    assert "not a probe-kit JSON document" in capsys.readouterr().err
    bad.write_text(json.dumps({"format": 2, "results": []}))
    assert main(["diagnose", "--probe-results", str(bad)]) == 2
    assert main(["diagnose", "--probe-results", str(tmp_path / "missing.json")]) == 2
    assert "not a file" in capsys.readouterr().err
