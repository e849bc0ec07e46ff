"""Responses no real SIP server should send: each is a result with a clear message, never a traceback.

A tiny UDP/TCP responder on loopback plays the broken far end (Kamailio
cannot be made to answer malformed or oversized messages).
"""

from __future__ import annotations

import re
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest

from advisor.probes import wire
from advisor.probes.catalog import ProbeCatalog
from tests.probes.conftest import run

Reply = Callable[[bytes], list[bytes]]


def _echo_headers(request: bytes, status: str = "200 OK", extra: str = "", via: str | None = None) -> bytes:
    text = request.decode()
    head = {m.group(1).lower(): m.group(2) for m in re.finditer(r"^([A-Za-z-]+): (.*)$", text, re.M)}
    via_line = via if via is not None else head["via"] + ";received=127.0.0.1"
    return (f"SIP/2.0 {status}\r\nVia: {via_line}\r\nFrom: {head['from']}\r\nTo: {head['to']};tag=x\r\n"
            f"Call-ID: {head['call-id']}\r\nCSeq: {head['cseq']}\r\n{extra}Content-Length: 0\r\n\r\n").encode()


@contextmanager
def udp_responder(reply: Reply, *, from_other_port: bool = False) -> Iterator[int]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    other = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    other.bind(("127.0.0.1", 0))
    sock.settimeout(0.05)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                data, addr = sock.recvfrom(65535)
            except TimeoutError:
                continue
            except OSError:
                return
            for out in reply(data):
                (other if from_other_port else sock).sendto(out, addr)

    t = threading.Thread(target=serve, daemon=True)
    t.start()
    try:
        yield int(sock.getsockname()[1])
    finally:
        stop.set()
        t.join(3)
        sock.close()
        other.close()


def test_malformed_response(catalog: ProbeCatalog) -> None:
    with udp_responder(lambda req: [b"HTTP/1.1 200 OK\r\nServer: x\r\n\r\n"]) as port:
        r = run(wire.sip_options(f"sip:127.0.0.1:{port}", timeout=1))
    assert r.outcome == "malformed" and "not a SIP status line: 'HTTP/1.1 200 OK'" in r.summary
    assert r.outcome in catalog.probes["options"].outcomes


def test_response_without_blank_line_is_malformed() -> None:
    with udp_responder(lambda req: [b"SIP/2.0 200 OK\r\nVia: x"]) as port:
        r = run(wire.sip_options(f"sip:127.0.0.1:{port}", timeout=1))
    assert r.outcome == "malformed" and "no blank line" in r.summary


def test_oversized_response_is_not_parsed() -> None:
    big = "X-Padding: " + "a" * 30000 + "\r\n"
    with udp_responder(lambda req: [_echo_headers(req, extra=big)]) as port:
        r = run(wire.sip_options(f"sip:127.0.0.1:{port}", timeout=1))
    assert r.outcome == "oversized" and "16384-byte limit" in r.summary


def test_response_from_an_unexpected_address(catalog: ProbeCatalog) -> None:
    with udp_responder(lambda req: [_echo_headers(req)], from_other_port=True) as port:
        r = run(wire.sip_options(f"sip:127.0.0.1:{port}", timeout=1))
    assert r.outcome == "unexpected_source" and f"not from 127.0.0.1:{port}" in r.summary
    assert r.outcome in catalog.probes["options"].outcomes


def test_stray_response_is_ignored_then_the_real_one_counts() -> None:
    def reply(req: bytes) -> list[bytes]:
        stray = _echo_headers(req, via="SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bKnotours")
        return [stray, _echo_headers(req)]

    with udp_responder(reply) as port:
        r = run(wire.sip_options(f"sip:127.0.0.1:{port}", timeout=1))
    assert r.outcome == "answered" and "not ours" in str(r.details["stray"])


def test_nat_and_alg_seen_in_via() -> None:
    """The far end saw another address and port, and the Via sent-by came back rewritten."""
    def reply(req: bytes) -> list[bytes]:
        branch = re.search(rb"branch=(z9hG4bK[0-9a-f]+)", req)
        assert branch is not None
        via = f"SIP/2.0/UDP 198.51.100.7:5060;branch={branch.group(1).decode()};rport=40001;received=203.0.113.9"
        return [_echo_headers(req, via=via)]

    with udp_responder(reply) as port:
        r = run(wire.sip_options(f"sip:127.0.0.1:{port}", timeout=1))
    assert r.outcome == "answered"
    assert (r.details["nat"], r.details["via_rewritten"], r.details["seen_as"]) == (True, True, "203.0.113.9:40001")
    assert "NAT on the path" in r.summary and "SIP ALG" in r.summary


def test_provisional_only_is_a_timeout_saying_so() -> None:
    with udp_responder(lambda req: [_echo_headers(req, status="100 Trying")]) as port:
        r = run(wire.sip_options(f"sip:127.0.0.1:{port}", timeout=1))
    assert r.outcome == "timeout" and "only a provisional 100" in r.summary


def test_tcp_server_that_closes_without_answering() -> None:
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.bind(("127.0.0.1", 0))
    srv.listen()

    def serve() -> None:
        conn, _ = srv.accept()
        conn.recv(4096)
        conn.close()

    t = threading.Thread(target=serve, daemon=True)
    t.start()
    try:
        r = run(wire.sip_options(f"sip:127.0.0.1:{srv.getsockname()[1]};transport=tcp", timeout=1))
    finally:
        srv.close()
        t.join(3)
    assert r.outcome == "closed" and "closed" in r.summary


def test_control_characters_from_the_network_are_shown_visibly(capsys: pytest.CaptureFixture[str]) -> None:
    from advisor.cli import main

    evil = "Server: evil\x1b]0;owned\x07\x1b[31m\r\n"
    with udp_responder(lambda req: [_echo_headers(req, extra=evil)]) as port:
        assert main(["probe", "options", f"sip:127.0.0.1:{port}", "--timeout", "1"]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\x07" not in out and "evil" in out


def test_no_network_is_a_result(monkeypatch: pytest.MonkeyPatch) -> None:
    import asyncio
    import errno

    async def unreachable(*args: object, **kwargs: object) -> object:
        raise OSError(errno.ENETUNREACH, "Network is unreachable")

    monkeypatch.setattr(asyncio, "open_connection", unreachable)
    r = run(wire.port_check("127.0.0.1", 5060, "tcp", timeout=1))
    assert r.outcome == "unreachable" and "no route or no network (Network is unreachable)" in r.summary
    r = run(wire.sip_options("sip:127.0.0.1:5060;transport=tcp", timeout=1))
    assert r.outcome == "unreachable"
