"""The probe kit: written by `advisor probe kit`, run as a separate process with nothing but the
standard library (python -I -S: no site-packages, no PYTHONPATH), its JSON imported by diagnose."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

from advisor.cli import main
from tests.probes.servers import Kamailio, free_port


def _write_kit(tmp_path: Path, capsys: pytest.CaptureFixture[str], *args: str) -> Path:
    kit = tmp_path / "advisor-probe-kit.py"
    assert main(["probe", "kit", "-o", str(kit), *args]) == 0
    out = capsys.readouterr().out
    assert f"python3 {kit.name} > probe-results.json" in out
    assert "advisor diagnose --probe-results probe-results.json" in out
    return kit


def _run_kit(kit: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-I", "-S", str(kit), *args], capture_output=True, text=True,
                          timeout=30, cwd=kit.parent, env={"PATH": "/usr/bin:/bin"})


def test_kit_runs_standalone_and_its_json_answers_questions(kamailio: Kamailio, tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    kit = _write_kit(tmp_path, capsys, "--options", kamailio.uri("ok"), "--dns", "localhost",
                     "--port", f"127.0.0.1:{kamailio.tcp}", "--tls", f"127.0.0.1:{kamailio.tls}")
    text = kit.read_text()
    assert "import advisor" not in text and "from advisor" not in text
    ast.parse(text, feature_version=(3, 7))  # PBX hosts often have an older Python: no newer syntax
    listed = _run_kit(kit, "--list")
    assert listed.returncode == 0 and kamailio.uri("ok") in listed.stdout
    done = _run_kit(kit, "--timeout", "2")
    assert done.returncode == 1, done.stderr  # the self-signed test certificate is a failing probe
    doc = json.loads(done.stdout)
    assert doc["where"] == "pbx_host" and doc["tool"] == "advisor-probe-kit"
    outcomes = {r["probe"]: r["outcome"] for r in doc["results"]}
    assert outcomes == {"options": "answered", "dns": "resolved", "port": "answered", "tls": "bad_certificate"}
    assert doc["wall_ms"] <= doc["sequential_ms"]
    results = tmp_path / "probe-results.json"
    results.write_text(done.stdout)

    assert main(["diagnose", "-a", "symptom=term_no_response", "--json"]) == 0
    before = json.loads(capsys.readouterr().out)
    assert main(["diagnose", "-a", "symptom=term_no_response", "--probe-results", str(results), "--json"]) == 0
    after = json.loads(capsys.readouterr().out)
    obs = {o["id"]: o for o in after["observations"]}
    assert obs["options_ping_to_carrier"]["value"] == "answered"
    assert obs["options_ping_to_carrier"]["source"]["detail"] == f"options@pbx_host:{doc['host']}"
    assert obs["dns_resolves_termination_uri"]["value"] == "yes"
    assert obs["tls_handshake_to_carrier"]["value"] == "bad_certificate"
    status = {c["id"]: c["status"] for c in after["causes"]}
    assert status["term.no_response.firewall_outbound"] == "ruled_out"
    assert status["term.no_response.dns_unreachable"] == "ruled_out"
    alive_before = sum(c["status"] != "ruled_out" for c in before["causes"])
    alive_after = sum(c["status"] != "ruled_out" for c in after["causes"])
    assert alive_after < alive_before


def test_kit_timeout_and_refusal_are_results(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                             kamailio: Kamailio) -> None:
    kit = _write_kit(tmp_path, capsys, "--options", kamailio.uri("silent"), "--port", f"127.0.0.1:{free_port()}/udp")
    done = _run_kit(kit, "--timeout", "1")
    assert done.returncode == 1 and "Traceback" not in done.stderr
    outcomes = [r["outcome"] for r in json.loads(done.stdout)["results"]]
    assert outcomes == ["timeout", "refused"]


def test_kit_dry_run_sends_nothing_and_shows_the_request(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    kit = _write_kit(tmp_path, capsys, "--options", "sip:127.0.0.1:5999")
    done = _run_kit(kit, "--dry-run")
    doc = json.loads(done.stdout)
    assert done.returncode == 0 and doc["results"][0]["outcome"] == "dry_run"
    assert doc["results"][0]["sent"][0].startswith("OPTIONS sip:127.0.0.1:5999 SIP/2.0\r\n")
