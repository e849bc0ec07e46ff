"""Every sample, written out again in every other text format, must diagnose the same.

The writers follow each tool's output (see tests/data/samples/README.md): sngrep's
"Save as .txt", Asterisk pjsip/chan_sip loggers (console and `full` log),
FreeSWITCH siptrace, tcpdump -nn -v (RTP as UDP packets with their TTL) and raw
messages with stamp lines. Formats that print no time (Asterisk console) or no
RTP lose what depends on them, so those cases are left out where it matters.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from advisor.context import TrunkContext
from advisor.engine.diagnosis import Advisor
from advisor.evidence.analyze import MessageView, RtpView, TraceAnalysis, analyze_files
from advisor.kb.loader import KnowledgeBase

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"
EXPECTED = yaml.safe_load((SAMPLES / "expected.yaml").read_text())


def _split(ep: str) -> tuple[str, int]:
    host, _, port = ep.rpartition(":")
    return host.strip("[]"), int(port)


def _when(m: MessageView) -> datetime:
    assert m.ts is not None
    return datetime.fromtimestamp(m.ts, UTC)


def _lf(raw: str) -> str:
    return raw.replace("\r\n", "\n")


def _body_lines(raw: str) -> list[str]:
    text = _lf(raw)
    return (text[:-1] if text.endswith("\n") else text).split("\n")


def sngrep(msgs: list[MessageView], rtp: list[RtpView], local: str) -> str:
    out = []
    for m in msgs:
        w = _when(m)
        out.append(f"{w:%Y/%m/%d %H:%M:%S}.{w.microsecond:06d} {m.src} -> {m.dst}\n{m.raw}\n\n")
    return "".join(out)


def raw_hash(msgs: list[MessageView], rtp: list[RtpView], local: str) -> str:
    out = []
    for n, m in enumerate(msgs, start=1):
        w = _when(m)
        out.append(f"#{n} {w:%Y-%m-%d %H:%M:%S}.{w.microsecond // 1000:03d} {m.src} -> {m.dst}\n{_lf(m.raw)}\n")
    return "".join(out)


def raw_arrows(msgs: list[MessageView], rtp: list[RtpView], local: str) -> str:
    out = []
    for m in msgs:
        w = _when(m)
        stamp = f"[{w:%Y-%m-%d %H:%M:%S}.{w.microsecond // 1000:03d}]"
        arrow = f"--> {m.dst}" if _split(m.src or "")[0] == local else f"<-- {m.src}"
        out.append(f"{stamp} {arrow}\n{m.raw}\n")
    return "".join(out)


def pjsip_full(msgs: list[MessageView], rtp: list[RtpView], local: str) -> str:
    out = []
    for m in msgs:
        w = _when(m)
        kind = "response" if m.first_line.startswith("SIP/2.0") else "request"
        size = len(m.raw.encode())
        sent = _split(m.src or "")[0] == local
        marker = (f"<--- Transmitting SIP {kind} ({size} bytes) to UDP:{m.dst} --->" if sent
                  else f"<--- Received SIP {kind} ({size} bytes) from UDP:{m.src} --->")
        out.append(f"[{w:%Y-%m-%d %H:%M:%S}.{w.microsecond // 1000:03d}] VERBOSE[4410] res_pjsip_logger.c: {marker}\n")
        out.append(_lf(m.raw) + "\n")
        out.append(f"[{w:%Y-%m-%d %H:%M:%S}] VERBOSE[4410][C-00000007] pbx.c: -- something in the dialplan\n")
    return "".join(out)


def pjsip_console(msgs: list[MessageView], rtp: list[RtpView], local: str) -> str:
    text = pjsip_full(msgs, rtp, local)
    return "".join(line.split("res_pjsip_logger.c: ", 1)[-1] if "res_pjsip_logger.c: " in line
                   else ("    -- dialplan\n" if "pbx.c:" in line else line) for line in text.splitlines(keepends=True))


def chan_sip_full(msgs: list[MessageView], rtp: list[RtpView], local: str) -> str:
    out = []
    for m in msgs:
        w = _when(m)
        out.append(f"[{w:%Y-%m-%d %H:%M:%S}] VERBOSE[2201][C-00000001] chan_sip.c: \n")
        if _split(m.src or "")[0] == local:
            out.append(f"<--- Transmitting (NAT) to {m.dst} --->\n{_lf(m.raw)}\n<------------>\n")
        else:
            out.append(f"<--- SIP read from UDP:{m.src} --->\n{_lf(m.raw)}\n<------------->\n--- (9 headers 0 lines) ---\n")
    return "".join(out)


def freeswitch(msgs: list[MessageView], rtp: list[RtpView], local: str) -> str:
    dashes = "   " + "-" * 72 + "\n"
    out = []
    for m in msgs:
        w = _when(m)
        out.append(f"1f0e2d3c-aaaa-bbbb-cccc-000000000001 {w:%Y-%m-%d %H:%M:%S}.{w.microsecond:06d} 98.00% [DEBUG]"
                   " sofia.c:7084 Channel state\n")
        size = len(m.raw.encode())
        if _split(m.src or "")[0] == local:
            host, port = _split(m.dst or "")
            head = f"send {size} bytes to udp/[{host}]:{port} at {w:%H:%M:%S}.{w.microsecond:06d}:\n"
        else:
            host, port = _split(m.src or "")
            head = f"recv {size} bytes from udp/[{host}]:{port} at {w:%H:%M:%S}.{w.microsecond:06d}:\n"
        out.append(head + dashes + "".join("   " + ln + "\n" for ln in _body_lines(m.raw)) + dashes)
    return "".join(out)


def tcpdump(msgs: list[MessageView], rtp: list[RtpView], local: str) -> str:
    items: list[tuple[float, str]] = []
    for m in msgs:
        assert m.ts is not None
        src, sport = _split(m.src or "")
        dst, dport = _split(m.dst or "")
        size = len(m.raw.encode())
        ttl = 64 if src == local else 47
        items.append((m.ts, f"IP (tos 0x0, ttl {ttl}, id 1, offset 0, flags [DF], proto UDP (17), length {size + 28})\n"
                            f"    {src}.{sport} > {dst}.{dport}: SIP, length: {size}\n"
                      + "".join("\t" + ln + "\n" for ln in _body_lines(m.raw))))
    for s in rtp:
        t = s.first_ts
        step = max((s.last_ts - s.first_ts) / 60, 0.02)
        while t <= s.last_ts:
            items.append((t, f"IP (tos 0xb8, ttl {s.min_ttl or 64}, id 2, offset 0, flags [DF], proto UDP (17),"
                             f" length 200)\n    {s.src}.{s.sport} > {s.dst}.{s.dport}: UDP, length 172\n"))
            t += step
    items.sort(key=lambda x: x[0])
    return "".join(f"{datetime.fromtimestamp(t, UTC):%Y-%m-%d %H:%M:%S.%f} {text}" for t, text in items)


WRITERS = {"sngrep_txt": sngrep, "raw_hash": raw_hash, "raw_arrows": raw_arrows, "asterisk_pjsip_full": pjsip_full,
           "asterisk_pjsip": pjsip_console, "asterisk_chan_sip": chan_sip_full, "freeswitch_siptrace": freeswitch,
           "tcpdump_text": tcpdump}
NEEDS_RTP = {"s09.pcap"}  # only a packet format can carry the evidence
NEEDS_TIME = {"s05.txt"}  # the CPS rate needs times (its reason phrase alone also decides, but keep it honest)


def _source(kb: KnowledgeBase, name: str) -> tuple[TraceAnalysis, list[MessageView], str]:
    analysis = analyze_files([SAMPLES / name], kb, TrunkContext())
    msgs = [m for c in analysis.calls for m in c.messages if m.view_of is None]
    msgs.sort(key=lambda m: (m.ts or 0.0, m.index))
    local = next(_split(m.src)[0] for m in msgs if m.sender == "customer" and m.src)
    return analysis, msgs, local


CASES = [(name, fmt) for name in sorted(EXPECTED) for fmt in WRITERS
         if name != "s04.txt"  # s04 has no addresses or times to carry over
         and not (name in NEEDS_RTP and fmt != "tcpdump_text")
         and not (name in NEEDS_TIME and fmt == "asterisk_pjsip")]


@pytest.mark.parametrize("name, fmt", CASES)
def test_sample_in_another_format(kb: KnowledgeBase, advisor: Advisor, tmp_path: Path, name: str, fmt: str) -> None:
    analysis, msgs, local = _source(kb, name)
    if any(m.ts is None for m in msgs):  # a log without times: give its messages plausible ones, 50 ms apart
        msgs = [m.model_copy(update={"ts": 1.7e9 + n * 0.05}) for n, m in enumerate(msgs)]
    text = WRITERS[fmt](msgs, analysis.rtp, local)
    f = tmp_path / f"{Path(name).stem}.{fmt}.txt"
    f.write_text(text)
    converted = analyze_files([f], kb, TrunkContext())
    assert converted.files[0].format == fmt.removesuffix("_full").replace("raw_hash", "raw").replace("raw_arrows", "raw")
    assert sum(len(c.messages) for c in converted.calls) == len(msgs)
    diagnosis = advisor.diagnose(converted.observations())
    spec = EXPECTED[name]
    if spec.get("healthy"):
        assert not [c.id for c in diagnosis.causes if c.status == "confirmed"]
    else:
        assert diagnosis.causes[0].id in spec["expect"], [(c.id, c.status) for c in diagnosis.causes[:3]]
        original = advisor.diagnose(analysis.observations())
        assert diagnosis.causes[0].status == original.causes[0].status  # the same verdict as the original
