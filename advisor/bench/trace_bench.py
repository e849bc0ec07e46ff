"""`advisor bench trace`: capture-reader throughput and memory against peers, per capture shape.

Generates classic pcaps of several shapes (SHAPES: RTP-heavy, signalling
only, many calls on one carrier media address and port, long calls, SIP over
TCP, many re-INVITEs) at several sizes, written with plain struct and
streamed to disk, then times, each in a fresh child process whose peak RSS
is taken from getrusage(RUSAGE_CHILDREN) of a small wrapper:

* ours:       python -m advisor trace FILE --json (the probe checks the reader's counts)
* sip-doctor: sip-doctor read FILE --json --no-flow  (PyPI `sip-doctor`, put
              in a private venv when it is not importable; never a project
              dependency)
* tshark:     tshark -r FILE -Y sip  (only when tshark is on PATH)

Per shape it reports packets/s, SIP messages/s and peak memory at every
size, ours / sip-doctor, and how flat the time per packet (the marginal CPU
time per packet between the two largest sizes over that between the two
smallest; see `flatness_of`) and the peak memory are from the smallest size to
the largest.
"""

from __future__ import annotations

import heapq
import importlib.util
import json
import os
import platform
import random
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

__all__ = [
    "SIP_DOCTOR_SPEC",
    "GeneratedCapture",
    "ToolRun",
    "TraceBenchResult",
    "run_trace_bench",
    "with_peers_from",
    "write_sip_rtp_pcap",
]

SIP_DOCTOR_SPEC = "sip-doctor==0.8.0"

# --------------------------------------------------------------------------- generator

_TICK_US = 20_000  # 20 ms packetisation
_AUDIO = bytes([0xFF, 0x7F, 0xFE, 0x7E] * 40)  # 160 bytes of PCMU near silence
_PBX = "203.0.113.10"
_CARRIER_SIG = "54.172.60.1"  # the carrier (Twilio) as knowledge/trace.yaml knows it, so sides and RTP matching run
_SHARED_MEDIA = ("168.86.128.40", 20000)  # the one carrier media address:port of the "shared-media" shape
_PBX_TCP_PORT = 40000  # the PBX's end of its one TCP connection to the carrier
_PBX_MAC = bytes.fromhex("020000000a01")
_GW_MAC = bytes.fromhex("020000000b01")
_TTL_LOCAL = 64
_TTL_REMOTE = 53
_REC = struct.Struct("<IIII")
_RTP = struct.Struct("!BBHII")
_TCP_SPLIT = 700  # SIP over TCP: messages longer than this go out as two segments


@dataclass(frozen=True)
class Shape:
    """One kind of capture the bench generates (what real traces of that kind look like)."""

    name: str
    description: str
    concurrent: int = 50  # calls running side by side
    media: bool = True  # RTP both ways while the call is up
    ring_ticks: tuple[int, int] = (60, 200)  # 1.2 to 4 s ringing
    talk_ticks: tuple[int, int] = (1000, 4500)  # 20 to 90 s of audio
    gap_ticks: tuple[int, int] = (5, 55)  # pause before a slot's next call
    shared_media: bool = False  # the carrier's media always at one address and port
    reinvite_every: int = 0  # ticks between re-INVITEs (0 = none)
    transport: str = "udp"  # udp | tcp (SIP only; RTP stays UDP)
    carrier_only: bool = False  # every call with the carrier (no remote phones)
    scale: float = 1.0  # the sizes asked for are multiplied by this (SIP-only files are slow for every tool)


SHAPES: dict[str, Shape] = {
    s.name: s
    for s in (
        Shape("rtp", "ordinary calls, 20-90 s of RTP both ways (about 99.9 % RTP)"),
        Shape("signalling", "SIP only, no RTP captured: short calls back to back (7 SIP packets a call)",
              concurrent=50, media=False, ring_ticks=(20, 200), talk_ticks=(50, 500), gap_ticks=(1, 20),
              scale=0.1),
        Shape("shared-media", "very short calls (0.5-3 s of RTP) whose carrier media is one address and port"
              " for every call", concurrent=300, ring_ticks=(10, 50), talk_ticks=(25, 150), gap_ticks=(1, 5),
              shared_media=True, carrier_only=True),
        Shape("long", "few long calls: 20 at a time, 10 to 30 minutes of RTP each",
              concurrent=20, talk_ticks=(30_000, 90_000)),
        Shape("tcp", "SIP over one TCP connection (long messages in two segments), short calls with RTP",
              concurrent=100, ring_ticks=(20, 100), talk_ticks=(100, 500), gap_ticks=(1, 10), transport="tcp",
              carrier_only=True),
        Shape("reinvite", "calls with a re-INVITE (new SDP, 200, ACK) every second of RTP",
              concurrent=50, talk_ticks=(500, 3000), reinvite_every=50),
    )
}
RUN_TIMEOUT = 600.0  # seconds one tool may take on one file before it is reported as timed out
GOAL_SPEED = 2.0  # at least this many times sip-doctor's packets/s
GOAL_FLAT = 1.5  # time per packet at the largest size / at the smallest
DEFAULT_SIZES = (125_000, 250_000, 500_000, 1_000_000)
QUICK_SIZES = (25_000, 50_000, 100_000, 200_000)


@dataclass
class GeneratedCapture:
    """What the generator put in the file (the reader must find the same)."""

    path: str
    packets: int
    calls: int
    sip_messages: int
    rtp_packets: int
    rtp_streams: int
    bytes: int
    shape: str = "rtp"


def _checksum(hdr: bytes) -> int:
    s = sum(struct.unpack(f"!{len(hdr) // 2}H", hdr))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def _ip_prefix(src: str, dst: str, proto: int, l4_len: int, ttl: int, tos: int) -> bytes:
    """Ethernet + IPv4 header for an IP payload of l4_len bytes."""
    ip = struct.pack(
        "!BBHHHBBH4s4s", 0x45, tos, 20 + l4_len, 0, 0x4000, ttl, proto, 0, socket.inet_aton(src),
        socket.inet_aton(dst),
    )  # fmt: skip
    ip = ip[:10] + struct.pack("!H", _checksum(ip)) + ip[12:]
    eth = (_PBX_MAC + _GW_MAC if src == _PBX else _GW_MAC + _PBX_MAC) + b"\x08\x00"
    return eth + ip


def _udp_prefix(src: str, sport: int, dst: str, dport: int, payload_len: int, ttl: int, tos: int) -> bytes:
    """Ethernet + IPv4 + UDP headers for a payload of payload_len bytes (UDP checksum 0 = none)."""
    return _ip_prefix(src, dst, 17, 8 + payload_len, ttl, tos) + struct.pack("!HHHH", sport, dport, 8 + payload_len, 0)


class _Leg:
    """One RTP direction of a call: sends every 20 ms from start to end (microseconds)."""

    __slots__ = ("end", "prefix", "seq", "ssrc", "started", "ts")

    def __init__(self, prefix: bytes, rng: random.Random, end: int) -> None:
        self.prefix = prefix
        self.seq = rng.getrandbits(16)
        self.ts = rng.getrandbits(32)
        self.ssrc = rng.getrandbits(32)
        self.end = end
        self.started = False


# a SIP event: (payload, src, sport, dst, dport, ttl)
_SipEvent = tuple[bytes, str, int, str, int, int]


def _sdp(ip: str, port: int, sess: int, version: int = 0) -> str:
    return (
        f"v=0\r\no=- {sess} {sess + version} IN IP4 {ip}\r\ns=-\r\nc=IN IP4 {ip}\r\nt=0 0\r\n"
        f"m=audio {port} RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\n"
        f"a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\na=ptime:20\r\na=sendrecv\r\n"
    )


def _call_events(shape: Shape, n: int, t0: int, rng: random.Random) -> tuple[list[tuple[int, _SipEvent]], list[_Leg],
                                                                              list[int], int]:
    """SIP events (time, event), RTP legs (with their start times) and the end time of call n starting at t0."""
    inbound = n % 2 == 0
    remote_phone = not shape.carrier_only and n % 5 == 0
    far_sig = f"192.0.2.{20 + n % 200}" if remote_phone else _CARRIER_SIG
    far_media = far_sig if remote_phone else f"168.86.128.{40 + n % 50}"
    far_ttl = 57 if remote_phone else _TTL_REMOTE
    pbx_port = 10000 + 2 * (n % 10000)
    far_port = 20000 + 2 * ((n * 7) % 10000)
    if shape.shared_media:
        far_media, far_port = _SHARED_MEDIA
    call_id = f"{rng.getrandbits(64):016x}@{_PBX if not inbound else far_sig}"
    caller, callee = ("+14155550100", f"+1212555{n % 10000:04d}")
    if inbound:
        caller, callee = callee, caller
    tcp = shape.transport == "tcp"
    tr = "TCP" if tcp else "UDP"
    far_port_sig = 5060
    pbx_port_sig = _PBX_TCP_PORT if tcp else 5060
    # a = caller side, b = callee side: (signalling address, port, media address, media port, ttl)
    far = (far_sig, far_port_sig, far_media, far_port, far_ttl)
    pbx = (_PBX, pbx_port_sig, _PBX, pbx_port, _TTL_LOCAL)
    a, b = (far, pbx) if inbound else (pbx, far)
    a_sig, a_sport, a_media, a_port, a_ttl = a
    b_sig, b_sport, b_media, b_port, b_ttl = b
    tag_a, tag_b = f"{rng.getrandbits(32):08x}", f"{rng.getrandbits(32):08x}"
    branch = f"z9hG4bK{rng.getrandbits(40):010x}"
    from_a = f"From: <sip:{caller}@{a_sig}>;tag={tag_a}\r\n"
    to_plain = f"To: <sip:{callee}@{b_sig}>\r\n"
    to_tag = f"To: <sip:{callee}@{b_sig}>;tag={tag_b}\r\n"
    cid = f"Call-ID: {call_id}\r\n"

    def ev(msg: str, from_side_a: bool) -> _SipEvent:
        if from_side_a:
            return msg.encode(), a_sig, a_sport, b_sig, b_sport, a_ttl
        return msg.encode(), b_sig, b_sport, a_sig, a_sport, b_ttl

    def req(method: str, cseq: int, to: str, br: str, body: str = "") -> str:
        ctype = "Content-Type: application/sdp\r\n" if body else ""
        return (
            f"{method} sip:{callee}@{b_sig}:5060 SIP/2.0\r\n"
            f"Via: SIP/2.0/{tr} {a_sig}:{a_sport};branch={br}\r\nMax-Forwards: 70\r\n"
            f"{from_a}{to}{cid}CSeq: {cseq} {method}\r\n"
            f"Contact: <sip:{caller}@{a_sig}:{a_sport}>\r\nUser-Agent: bench-uac/1.0\r\n"
            f"{ctype}Content-Length: {len(body)}\r\n\r\n{body}"
        )

    def resp(code: str, cseq: int, method: str, to: str, br: str, body: str = "") -> str:
        ctype = "Content-Type: application/sdp\r\n" if body else ""
        contact = f"Contact: <sip:{callee}@{b_sig}:{b_sport}>\r\n" if code != "100 Trying" else ""
        return (
            f"SIP/2.0 {code}\r\nVia: SIP/2.0/{tr} {a_sig}:{a_sport};branch={br}\r\n{from_a}{to}{cid}"
            f"CSeq: {cseq} {method}\r\n{contact}Server: bench-uas/1.0\r\n{ctype}Content-Length: {len(body)}\r\n\r\n{body}"
        )

    def new_branch() -> str:
        return f"z9hG4bK{rng.getrandbits(40):010x}"

    ring = rng.randint(*shape.ring_ticks)
    talk = rng.randint(*shape.talk_ticks)
    tick = _TICK_US
    m0 = t0 + (ring + 2) * tick
    m1 = m0 + talk * tick
    events: list[tuple[int, _SipEvent]] = [
        (t0, ev(req("INVITE", 1, to_plain, branch, _sdp(a_media, a_port, 1000 + n)), True)),
        (t0 + 60, ev(resp("100 Trying", 1, "INVITE", to_plain, branch), False)),
        (t0 + 8 * tick, ev(resp("180 Ringing", 1, "INVITE", to_tag, branch), False)),
        (t0 + ring * tick, ev(resp("200 OK", 1, "INVITE", to_tag, branch, _sdp(b_media, b_port, 2000 + n)), False)),
        (t0 + (ring + 1) * tick, ev(req("ACK", 1, to_tag, new_branch()), True)),
    ]
    cseq = 1
    if shape.reinvite_every:
        k = 1
        while True:
            t = m0 + k * shape.reinvite_every * tick + 7_000
            if t + 3 * tick >= m1:
                break
            cseq += 1
            br = new_branch()
            events.append((t, ev(req("INVITE", cseq, to_tag, br, _sdp(a_media, a_port, 1000 + n, k)), True)))
            events.append((t + tick, ev(resp("200 OK", cseq, "INVITE", to_tag, br, _sdp(b_media, b_port, 2000 + n, k)),
                                        False)))
            events.append((t + 2 * tick, ev(req("ACK", cseq, to_tag, new_branch()), True)))
            k += 1
    bye_branch = new_branch()
    if rng.random() < 0.5:
        events.append((m1, ev(req("BYE", cseq + 1, to_tag, bye_branch), True)))
        events.append((m1 + 2 * tick, ev(resp("200 OK", cseq + 1, "BYE", to_tag, bye_branch), False)))
    else:
        bye = (
            f"BYE sip:{caller}@{a_sig}:{a_sport} SIP/2.0\r\n"
            f"Via: SIP/2.0/{tr} {b_sig}:{b_sport};branch={bye_branch}\r\n"
            f"Max-Forwards: 70\r\nFrom: <sip:{callee}@{b_sig}>;tag={tag_b}\r\n"
            f"To: <sip:{caller}@{a_sig}>;tag={tag_a}\r\n{cid}CSeq: 1 BYE\r\nContent-Length: 0\r\n\r\n"
        )
        ok = (
            f"SIP/2.0 200 OK\r\nVia: SIP/2.0/{tr} {b_sig}:{b_sport};branch={bye_branch}\r\n"
            f"From: <sip:{callee}@{b_sig}>;tag={tag_b}\r\nTo: <sip:{caller}@{a_sig}>;tag={tag_a}\r\n{cid}"
            f"CSeq: 1 BYE\r\nContent-Length: 0\r\n\r\n"
        )
        events.append((m1, ev(bye, False)))
        events.append((m1 + 2 * tick, ev(ok, True)))
    legs: list[_Leg] = []
    starts: list[int] = []
    if shape.media:
        legs.append(_Leg(_udp_prefix(a_media, a_port, b_media, b_port, 172, a_ttl, 0xB8), rng, m1))
        legs.append(_Leg(_udp_prefix(b_media, b_port, a_media, a_port, 172, b_ttl, 0xB8), rng, m1))
        starts = [m0 + 150, m0 + 10_150]
    return events, legs, starts, m1 + 2 * tick


def write_capture(path: str, packets: int, shape: Shape | str = "rtp", seed: int = 5060,
                  concurrent: int | None = None) -> GeneratedCapture:
    """Write a classic pcap (Ethernet/IPv4) of exactly `packets` packets of the given shape.

    Events (SIP messages, RTP packets, call ends) come off a time-ordered
    heap, so time with nothing to send costs nothing; the file is written as
    it is generated, so memory stays small.
    """
    sh = SHAPES[shape] if isinstance(shape, str) else shape
    slots = concurrent or sh.concurrent
    rng = random.Random(seed)
    start_us = 1_750_000_000 * 1_000_000
    count = sip = rtp = calls = streams = 0
    written = 24
    pack_rec = _REC.pack
    pack_rtp = _RTP.pack
    audio = _AUDIO
    heap: list[tuple[int, int, int, Any]] = []
    order = 0
    tcp_seq: dict[tuple[str, int, str, int], int] = {}

    def start_call(t0: int) -> None:
        nonlocal order, calls
        events, legs, starts, end = _call_events(sh, calls, t0, rng)
        calls += 1
        for t, e in events:
            order += 1
            push(heap, (t, order, 0, e))
        for t, leg in zip(starts, legs, strict=True):
            order += 1
            push(heap, (t, order, 1, leg))
        order += 1
        push(heap, (end, order, 2, None))

    push, pop = heapq.heappush, heapq.heappop
    for i in range(slots):
        start_call(start_us + i * 7 * _TICK_US + i * 400)
    out: list[bytes] = []

    def frames_of(e: _SipEvent) -> list[bytes]:
        payload, src, sport, dst, dport, ttl = e
        if sh.transport != "tcp":
            return [_udp_prefix(src, sport, dst, dport, len(payload), ttl, 0x60) + payload]
        key = (src, sport, dst, dport)
        seq = tcp_seq.get(key, 1_000_000 + len(tcp_seq) * 7_777_777)
        pieces = [payload] if len(payload) <= _TCP_SPLIT else [payload[:_TCP_SPLIT], payload[_TCP_SPLIT:]]
        res = []
        for piece in pieces:
            tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, 1, 0x50, 0x18, 65535, 0, 0)
            res.append(_ip_prefix(src, dst, 6, 20 + len(piece), ttl, 0x60) + tcp + piece)
            seq = (seq + len(piece)) & 0xFFFFFFFF
        tcp_seq[key] = seq
        return res

    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1))
        while count < packets and heap:
            t, _, kind, obj = pop(heap)
            s, us = divmod(t, 1_000_000)
            if kind == 1:
                leg: _Leg = obj
                seq = leg.seq = (leg.seq + 1) & 0xFFFF
                ts = leg.ts = (leg.ts + 160) & 0xFFFFFFFF
                out.append(pack_rec(s, us, 214, 214))
                out.append(leg.prefix)
                out.append(pack_rtp(0x80, 0, seq, ts, leg.ssrc))
                out.append(audio)
                written += 230
                count += 1
                rtp += 1
                if not leg.started:
                    leg.started = True
                    streams += 1
                if t + _TICK_US < leg.end:
                    order += 1
                    push(heap, (t + _TICK_US, order, 1, leg))
            elif kind == 0:
                fr = frames_of(obj)
                if count + len(fr) > packets:
                    break
                for i, frame in enumerate(fr):
                    s, us = divmod(t + i * 50, 1_000_000)
                    out.append(pack_rec(s, us, len(frame), len(frame)))
                    out.append(frame)
                    written += 16 + len(frame)
                count += len(fr)
                sip += 1
            else:
                start_call(t + rng.randint(*sh.gap_ticks) * _TICK_US)
            if len(out) > 40_000:
                f.write(b"".join(out))
                out.clear()
        f.write(b"".join(out))
    return GeneratedCapture(path=path, packets=count, calls=calls, sip_messages=sip, rtp_packets=rtp,
                            rtp_streams=streams, bytes=written, shape=sh.name)


def write_sip_rtp_pcap(path: str, packets: int, concurrent: int = 50, seed: int = 5060) -> GeneratedCapture:
    """The "rtp" shape (ordinary calls with RTP both ways): see write_capture."""
    return write_capture(path, packets, "rtp", seed=seed, concurrent=concurrent)


# --------------------------------------------------------------------------- measuring


class ToolRun(BaseModel):
    """One tool reading one file."""

    tool: str
    command: str
    status: str  # ok | not installed | skipped | failed: ...
    packets: int = 0
    seconds: float | None = None  # wall time, interpreter start-up included
    cpu_seconds: float | None = None  # user + system CPU time of the tool
    packets_per_s: float | None = None  # packets / wall seconds
    messages_per_s: float | None = None  # SIP messages in the file / wall seconds
    packets_per_cpu_s: float | None = None  # packets / CPU seconds (steadier than wall time on a shared machine)
    us_per_packet: float | None = None  # (CPU seconds - the tool's start-up CPU) / packets, in microseconds
    peak_rss_mb: float | None = None
    detail: str = ""


class SizeRun(BaseModel):
    """All tools on one generated file."""

    packets: int
    file_mb: float
    calls: int
    sip_messages: int
    rtp_packets: int
    rtp_streams: int
    generate_seconds: float
    runs: list[ToolRun]
    ours_correct: bool
    speed_ratio_vs_sip_doctor: float | None = None  # ours packets/s / sip-doctor packets/s (wall time)
    cpu_speed_ratio_vs_sip_doctor: float | None = None  # the same on CPU time (what the goal is judged on)
    memory_ratio_vs_sip_doctor: float | None = None  # ours peak / sip-doctor peak

    def run(self, tool: str) -> ToolRun | None:
        return next((r for r in self.runs if r.tool == tool), None)


class ShapeResult(BaseModel):
    shape: str
    description: str
    sizes: list[SizeRun]
    # per tool: how the CPU time per packet grows from the smallest size to the largest (flat = about 1.0):
    # with three sizes or more the marginal cost of the largest step over that of the smallest step
    # (start-up cancels out), with two the time per packet net of start-up (see flatness_of)
    flatness: dict[str, float] = Field(default_factory=dict)
    # per tool: peak memory at the largest size / at the smallest
    memory_growth: dict[str, float] = Field(default_factory=dict)

    def goals(self) -> list[str]:
        """The goals this shape misses (empty = all met); only judged where sip-doctor was measured."""
        missed: list[str] = []
        for sz in self.sizes:
            if not sz.ours_correct:
                missed.append(f"{sz.packets:,}: our counts do not match the file")
            ours = sz.run("advisor")
            if ours is not None and ours.seconds is None:
                missed.append(f"{sz.packets:,}: ours {ours.status}")
            ratio = sz.cpu_speed_ratio_vs_sip_doctor
            if ratio is not None and ratio < GOAL_SPEED:
                missed.append(f"{sz.packets:,}: {ratio:.2f}x sip-doctor's packets per CPU second "
                              f"(goal {GOAL_SPEED:g}x)")
            if sz.memory_ratio_vs_sip_doctor is not None and sz.memory_ratio_vs_sip_doctor >= 1.0:
                missed.append(f"{sz.packets:,}: {sz.memory_ratio_vs_sip_doctor:.2f}x sip-doctor's peak memory")
        flat = self.flatness.get("advisor")
        if flat is not None and flat > GOAL_FLAT:
            missed.append(f"time per packet grows {flat:.2f}x from smallest to largest (goal <= {GOAL_FLAT:g}x)")
        elif flat is None and len(self.sizes) > 1 and all(sz.run("advisor") is not None for sz in self.sizes):
            # never a silent pass: a smallest file that costs no more than start-up leaves no time per packet
            missed.append("time per packet not measurable: the CPU time did not grow with the file between two"
                          " sizes, or the smallest file costs no more than start-up")
        return missed


def flatness_of(sizes: list[SizeRun], tool: str) -> float | None:
    """How a tool's CPU time per packet grows from the smallest file to the largest (1.0 = flat).

    With three sizes or more: the marginal CPU time per packet between the two largest files over
    that between the two smallest, (cpu[-1] - cpu[-2]) / (n[-1] - n[-2]) over (cpu[1] - cpu[0]) /
    (n[1] - n[0]).  Start-up cancels out of each difference, so nothing measured on another file
    is taken off, and a cost that grows faster than the packets (a quadratic step) shows as a
    ratio above 1.  With two sizes: the time per packet net of start-up (us_per_packet), largest
    over smallest.  None when that cannot be told (a run missing, or a difference or net time that
    is not positive): the goal then reports "not measurable" instead of passing."""
    points = [(sz.packets, r.cpu_seconds) for sz in sizes if (r := sz.run(tool)) is not None
              and r.cpu_seconds is not None]
    if len(points) < 2 or len(points) != len(sizes):
        return None
    if len(points) >= 3:
        (n0, c0), (n1, c1) = points[0], points[1]
        (m0, d0), (m1, d1) = points[-2], points[-1]
        if n1 <= n0 or m1 <= m0:
            return None
        first, last = (c1 - c0) / (n1 - n0), (d1 - d0) / (m1 - m0)
        return last / first if first > 0 and last > 0 else None
    a, b = sizes[0].run(tool), sizes[-1].run(tool)
    if a is None or b is None or not a.us_per_packet or not b.us_per_packet:
        return None
    return b.us_per_packet / a.us_per_packet


class TraceBenchResult(BaseModel):
    shapes: list[ShapeResult]
    startup_seconds: dict[str, float] = Field(default_factory=dict)  # each tool on a one-call file (wall)
    startup_cpu_seconds: dict[str, float] = Field(default_factory=dict)  # the same in CPU seconds
    machine: str = ""
    peers: bool = True

    @property
    def goals_met(self) -> bool:
        return all(not s.goals() for s in self.shapes)

    def shape(self, name: str) -> ShapeResult | None:
        return next((s for s in self.shapes if s.shape == name), None)

    def markdown(self) -> str:
        """Per-shape tables (the form benchmarks/trace.md shows)."""
        out: list[str] = []
        for sh in self.shapes:
            out += [f"#### {sh.shape}: {sh.description}", "",
                    "| packets | SIP msgs | tool | wall s | CPU s | packets/s | packets/CPU s | msgs/s | CPU us/pkt |"
                    " peak MB |", "| ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
            for sz in sh.sizes:
                for r in sz.runs:
                    if r.seconds is None:
                        out.append(f"| {sz.packets:,} | {sz.sip_messages:,} | {r.tool} | {r.status} | | | | | | |")
                        continue
                    out.append(f"| {sz.packets:,} | {sz.sip_messages:,} | {r.tool} | {r.seconds:.2f} | "
                               f"{r.cpu_seconds or 0:.2f} | {r.packets_per_s or 0:,.0f} | "
                               f"{r.packets_per_cpu_s or (r.packets / r.cpu_seconds if r.cpu_seconds else 0):,.0f} | "
                               f"{r.messages_per_s or 0:,.0f} | {r.us_per_packet or 0:.2f} | {r.peak_rss_mb or 0:.1f} |")
            out.append("")
            ratios = [f"{sz.packets:,}: {sz.cpu_speed_ratio_vs_sip_doctor:.2f}x CPU speed, "
                      f"{sz.memory_ratio_vs_sip_doctor:.2f}x memory"
                      for sz in sh.sizes
                      if sz.cpu_speed_ratio_vs_sip_doctor is not None and sz.memory_ratio_vs_sip_doctor is not None]
            if ratios:
                out.append("ours / sip-doctor: " + "; ".join(ratios) + ".")
            if sh.flatness:
                out.append("CPU time per packet (marginal), largest / smallest sizes: " + ", ".join(
                    f"{t} {v:.2f}x" for t, v in sh.flatness.items()) + ".")
            if sh.memory_growth:
                out.append("Peak memory, largest / smallest: " + ", ".join(
                    f"{t} {v:.2f}x" for t, v in sh.memory_growth.items()) + ".")
            missed = sh.goals()
            out += ["Goals: " + ("met." if not missed else "missed: " + "; ".join(missed) + "."), ""]
        return "\n".join(out)

    def render(self) -> str:
        lines = [f"Trace reader benchmark ({self.machine})"]
        if self.startup_seconds:
            lines.append("start-up (one complete call, 7 packets): " + ", ".join(
                f"{t} {v:.2f} s ({self.startup_cpu_seconds.get(t, 0):.2f} s CPU)"
                for t, v in self.startup_seconds.items()))
        lines.append("pkt/cpu-s = packets per CPU second; us/pkt = CPU microseconds per packet after start-up")
        for sh in self.shapes:
            lines += ["", f"== {sh.shape}: {sh.description}",
                      f"{'packets':>9} {'MB':>6} {'calls':>6} {'SIP':>7} {'tool':<11} {'wall s':>7} {'CPU s':>7} "
                      f"{'packets/s':>10} {'pkt/cpu-s':>10} {'msgs/s':>8} {'us/pkt':>7} {'peak MB':>8}  notes"]
            for sz in sh.sizes:
                for k, r in enumerate(sz.runs):
                    head = (f"{sz.packets:>9,} {sz.file_mb:>6.1f} {sz.calls:>6,} {sz.sip_messages:>7,}" if k == 0
                            else " " * 31)
                    if r.seconds is None:
                        lines.append(f"{head} {r.tool:<11} {r.status}")
                        continue
                    lines.append(
                        f"{head} {r.tool:<11} {r.seconds:>7.2f} {r.cpu_seconds or 0:>7.2f} {r.packets_per_s or 0:>10,.0f} "
                        f"{r.packets_per_cpu_s or 0:>10,.0f} {r.messages_per_s or 0:>8,.0f} {r.us_per_packet or 0:>7.2f} "
                        f"{r.peak_rss_mb or 0:>8.1f}  {r.detail}")
                if sz.speed_ratio_vs_sip_doctor is not None and sz.memory_ratio_vs_sip_doctor is not None:
                    lines.append(" " * 31 + f" ours / sip-doctor: {sz.speed_ratio_vs_sip_doctor:.2f}x packets/s, "
                                 f"{sz.cpu_speed_ratio_vs_sip_doctor or 0:.2f}x packets per CPU second, "
                                 f"{sz.memory_ratio_vs_sip_doctor:.2f}x peak memory"
                                 + ("" if sz.ours_correct else "; OUR COUNTS DO NOT MATCH THE FILE"))
                elif not sz.ours_correct:
                    lines.append(" " * 31 + " OUR COUNTS DO NOT MATCH THE FILE")
            if sh.flatness:
                lines.append("CPU time per packet (marginal), largest / smallest sizes: " + ", ".join(
                    f"{t} {v:.2f}x" for t, v in sh.flatness.items()))
            if sh.memory_growth:
                lines.append("peak memory, largest / smallest size: " + ", ".join(
                    f"{t} {v:.2f}x" for t, v in sh.memory_growth.items()))
            missed = sh.goals()
            lines.append("goals: " + ("met" if not missed else "MISSED: " + "; ".join(missed)))
        if not self.peers:
            lines += ["", "peers not measured (--no-peers): the sip-doctor goals were not judged"]
        return "\n".join(lines)


@dataclass
class _Measured:
    seconds: float
    cpu_seconds: float
    peak_rss_mb: float
    returncode: int
    stdout: str
    stderr: str


# The measuring wrapper: a bare interpreter (-I -S) that forks the tool, waits,
# and writes the wall time and getrusage(RUSAGE_CHILDREN) to a JSON file.  A
# child's ru_maxrss starts from the RSS of the process it was forked from, so
# the tool must not be forked from this (large) benchmark process: forked
# from the wrapper its floor is the wrapper's few MB, below any tool measured.
_WRAPPER = """
import json, os, resource, sys, time
out, cmd = sys.argv[1], sys.argv[2:]
t0 = time.perf_counter()
pid = os.fork()
if pid == 0:
    try:
        os.execvp(cmd[0], cmd)
    finally:
        os._exit(127)
_, status = os.waitpid(pid, 0)
seconds = time.perf_counter() - t0
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
with open(out, "w") as f:
    json.dump({"seconds": seconds, "cpu": ru.ru_utime + ru.ru_stime, "maxrss": ru.ru_maxrss,
               "status": os.waitstatus_to_exitcode(status)}, f)
"""


def _measure(cmd: list[str], workdir: Path, env: dict[str, str] | None = None) -> _Measured:
    """Run cmd in a fresh child of a small wrapper process: wall time and the child's peak RSS."""
    out_path = workdir / "bench-stdout.txt"
    err_path = workdir / "bench-stderr.txt"
    res_path = workdir / "bench-rusage.json"
    res_path.unlink(missing_ok=True)
    timed_out = False
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        proc = subprocess.Popen(
            [sys.executable, "-I", "-S", "-c", _WRAPPER, str(res_path), *cmd],
            stdout=out,
            stderr=err,
            stdin=subprocess.DEVNULL,
            env=env,
            start_new_session=True,  # the wrapper and the tool: one process group, ended together on timeout
        )
        try:
            proc.wait(timeout=RUN_TIMEOUT)
        except subprocess.TimeoutExpired:
            timed_out = True
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    stdout = out_path.read_text(errors="replace")
    stderr = err_path.read_text(errors="replace")
    out_path.unlink(missing_ok=True)
    err_path.unlink(missing_ok=True)
    if timed_out:
        res_path.unlink(missing_ok=True)
        return _Measured(0.0, 0.0, 0.0, 124, stdout, f"timed out after {RUN_TIMEOUT:.0f} s")
    try:
        res = json.loads(res_path.read_text())
    except (OSError, ValueError):
        return _Measured(0.0, 0.0, 0.0, 127, stdout, stderr or "measuring wrapper failed")
    finally:
        res_path.unlink(missing_ok=True)
    # ru_maxrss is in KiB on Linux, bytes on macOS
    kib = res["maxrss"] / 1024 if sys.platform == "darwin" else res["maxrss"]
    return _Measured(float(res["seconds"]), float(res["cpu"]), kib / 1024, int(res["status"]), stdout, stderr)


def _project_env(workdir: Path) -> dict[str, str]:
    """Our runs' environment: this checkout first on the path, and (unless ADVISOR_CACHE_DIR is set)
    a trace-knowledge cache of the bench's own in its workdir.  The cache in the user's cache folder
    is shared by every checkout on the machine, and one keyed on other sources replaces ours: a run
    that finds it gone rebuilds it (pydantic, YAML, the whole knowledge base: +0.3 s, +20 MB), which
    is not what a user's second run finds."""
    env = dict(os.environ)
    root = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env.setdefault("ADVISOR_CACHE_DIR", str(workdir / "advisor-cache"))
    return env


def _first_line(text: str) -> str:
    for line in text.splitlines():
        if line.strip():
            return line.strip()[:160]
    return ""


def _timed(run: ToolRun, m: _Measured, gen: GeneratedCapture) -> None:
    run.seconds = m.seconds
    run.cpu_seconds = m.cpu_seconds
    run.packets_per_s = gen.packets / m.seconds if m.seconds else None
    run.messages_per_s = gen.sip_messages / m.seconds if m.seconds else None
    run.packets_per_cpu_s = gen.packets / m.cpu_seconds if m.cpu_seconds else None
    run.peak_rss_mb = m.peak_rss_mb


def _run_ours(path: str, gen: GeneratedCapture, workdir: Path, check: bool = True) -> tuple[ToolRun, bool]:
    """Time the full `advisor trace FILE --json` (reader, SIP parsing, calls, findings).

    The reader probe runs first, untimed, only to check its counts against
    what the generator wrote.
    """
    cmd = [sys.executable, "-m", "advisor", "trace", path, "--json"]
    run = ToolRun(tool="advisor", command=" ".join(["python", *cmd[1:]]), status="ok", packets=gen.packets)
    correct = True
    if check:
        probe = _measure([sys.executable, "-m", "advisor.bench.trace_probe", path], workdir, _project_env(workdir))
        if probe.returncode != 0:
            run.status = f"failed: {_first_line(probe.stderr) or probe.returncode}"
            return run, False
        summary = json.loads(probe.stdout)
        correct = (
            summary["packets"] == gen.packets
            and summary["sip"] == gen.sip_messages
            and summary["rtp_packets"] == gen.rtp_packets
            and summary["rtp_streams"] == gen.rtp_streams
        )
        run.detail = f"{summary['sip']:,} SIP, {summary['rtp_streams']:,} RTP streams"
    m = _measure(cmd, workdir, _project_env(workdir))
    if m.returncode != 0:
        run.status = f"failed: {_first_line(m.stderr) or m.returncode}"
        return run, False
    _timed(run, m, gen)
    return run, correct


def _sip_doctor_command(venv_dir: Path, progress: Callable[[str], None]) -> list[str] | str:
    """Command prefix for sip-doctor, installing it in a private venv if needed; str = why not."""
    if importlib.util.find_spec("sipdoctor") is not None:
        return [sys.executable, "-m", "sipdoctor"]
    py = venv_dir / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    if py.exists():
        probe = subprocess.run([str(py), "-c", "import sipdoctor"], capture_output=True)
        if probe.returncode == 0:
            return [str(py), "-m", "sipdoctor"]
    progress(f"installing {SIP_DOCTOR_SPEC} into a private venv at {venv_dir} ...")
    try:
        subprocess.run([sys.executable, "-m", "venv", str(venv_dir)], check=True, capture_output=True)
        pip = subprocess.run(
            [str(py), "-m", "pip", "install", "--disable-pip-version-check", "-q", SIP_DOCTOR_SPEC],
            capture_output=True,
            text=True,
        )
    except (OSError, subprocess.CalledProcessError) as exc:
        return f"not installed (venv failed: {exc})"
    if pip.returncode != 0:
        return f"not installed (pip: {_first_line(pip.stderr) or pip.returncode})"
    return [str(py), "-m", "sipdoctor"]


def _run_sip_doctor(path: str, gen: GeneratedCapture, workdir: Path, venv_dir: Path,
                    progress: Callable[[str], None]) -> ToolRun:  # fmt: skip
    prefix = _sip_doctor_command(venv_dir, progress)
    shown = f"sip-doctor read {os.path.basename(path)} --json --no-flow"
    if isinstance(prefix, str):
        return ToolRun(tool="sip-doctor", command=shown, status=prefix)
    env = dict(os.environ, NO_COLOR="1")
    m = _measure([*prefix, "read", path, "--json", "--no-flow"], workdir, env)
    run = ToolRun(tool="sip-doctor", command=shown, status="ok", packets=gen.packets)
    if m.returncode != 0 and not m.stdout.lstrip().startswith("{"):
        run.status = f"failed: {_first_line(m.stderr) or m.returncode}"
        return run
    _timed(run, m, gen)
    try:
        doc = json.loads(m.stdout)
        stats = doc.get("stats", {}) if isinstance(doc, dict) else {}
        run.detail = f"{stats.get('sip_messages', 0):,} SIP, {stats.get('rtp', 0):,} RTP packets"
    except (ValueError, AttributeError):
        run.detail = "output was not JSON"
    return run


def _run_tshark(path: str, gen: GeneratedCapture, workdir: Path) -> ToolRun:
    exe = shutil.which("tshark")
    shown = f"tshark -r {os.path.basename(path)} -Y sip"
    if exe is None:
        return ToolRun(tool="tshark", command=shown, status="not installed")
    m = _measure([exe, "-r", path, "-Y", "sip"], workdir)
    run = ToolRun(tool="tshark", command=shown, status="ok", packets=gen.packets)
    if m.returncode != 0:
        run.status = f"failed: {_first_line(m.stderr) or m.returncode}"
        return run
    _timed(run, m, gen)
    run.detail = f"{sum(1 for line in m.stdout.splitlines() if line.strip()):,} SIP lines"
    return run


def _default_venv_dir() -> Path:
    try:
        import platformdirs

        return Path(platformdirs.user_cache_dir("sip-trunk-advisor")) / "bench" / "venv-sip-doctor"
    except ImportError:  # pragma: no cover - platformdirs is a project dependency
        return Path(tempfile.gettempdir()) / "sip-trunk-advisor-bench" / "venv-sip-doctor"


def _best(runs: list[ToolRun]) -> ToolRun:
    """The run with the least CPU time (the machine is shared: best-of-N filters out others' load)."""
    ok = [r for r in runs if r.seconds is not None]
    best = min(ok, key=lambda r: r.cpu_seconds or r.seconds or 0.0) if ok else runs[0]
    if len(runs) > 1 and ok:
        best.detail = f"{best.detail}; best of {len(runs)}".lstrip("; ")
    return best


def with_peers_from(result: TraceBenchResult, earlier: TraceBenchResult) -> TraceBenchResult:
    """Put the peers' runs of an earlier result next to ours, where shape and packet count match.

    The generator is deterministic (fixed seed), so the same shape and size
    is the same file byte for byte; sip-doctor and tshark do not change
    between two runs of the bench, our reader does.  Ratios and goals are
    recomputed; each borrowed run says so in its notes.
    """
    for sh in result.shapes:
        old = earlier.shape(sh.shape)
        if old is None:
            continue
        for sz in sh.sizes:
            match = next((o for o in old.sizes if o.packets == sz.packets and o.sip_messages == sz.sip_messages), None)
            if match is None:
                continue
            sz.runs = [r for r in sz.runs if r.tool == "advisor"]
            for r in match.runs:
                if r.tool != "advisor" and r.seconds is not None:
                    sz.runs.append(r.model_copy(update={"detail": f"{r.detail}; from an earlier run, same file"}))
            ours, sd = sz.run("advisor"), sz.run("sip-doctor")
            if ours and sd and ours.packets_per_s and sd.packets_per_s and ours.peak_rss_mb and sd.peak_rss_mb:
                sz.speed_ratio_vs_sip_doctor = ours.packets_per_s / sd.packets_per_s
                sz.memory_ratio_vs_sip_doctor = ours.peak_rss_mb / sd.peak_rss_mb
                if ours.packets_per_cpu_s and sd.packets_per_cpu_s:
                    sz.cpu_speed_ratio_vs_sip_doctor = ours.packets_per_cpu_s / sd.packets_per_cpu_s
        first, last = (sh.sizes[0], sh.sizes[-1]) if sh.sizes else (None, None)
        for tool in ("sip-doctor", "tshark"):
            a = first.run(tool) if first else None
            b = last.run(tool) if last else None
            flat = flatness_of(sh.sizes, tool) if len(sh.sizes) > 1 else None
            if flat is not None:
                sh.flatness[tool] = flat
            if a and b and a is not b and a.peak_rss_mb and b.peak_rss_mb:
                sh.memory_growth[tool] = b.peak_rss_mb / a.peak_rss_mb
    for tool in ("sip-doctor", "tshark"):
        if tool in earlier.startup_seconds:
            result.startup_seconds[tool] = earlier.startup_seconds[tool]
            result.startup_cpu_seconds[tool] = earlier.startup_cpu_seconds.get(tool, 0.0)
    result.peers = any(sz.run("sip-doctor") for sh in result.shapes for sz in sh.sizes)
    return result


def _parse_list(text: str) -> list[str]:
    return [x.strip() for x in text.split(",") if x.strip()]


def run_trace_bench(
    shapes: list[str] | None = None,
    sizes: list[int] | None = None,
    workdir: str | None = None,
    peers: bool = True,
    progress: Callable[[str], None] | None = None,
    repeat: int = 1,
) -> TraceBenchResult:
    """Generate captures of each shape at each size and time our reader (and the peers) on them.

    shapes: names from SHAPES (None = all); sizes: packet counts (None =
    DEFAULT_SIZES).  workdir: where the pcap files (and the sip-doctor venv)
    go; None = a temporary folder for the files (removed afterwards) and a
    venv in the user cache folder.  peers=False measures only our reader.
    repeat: runs per tool and file, the fastest is reported.
    """
    names = list(shapes) if shapes else list(SHAPES)
    unknown = [n for n in names if n not in SHAPES]
    if unknown:
        raise ValueError(f"unknown shape(s) {', '.join(unknown)}; known: {', '.join(SHAPES)}")
    counts = sorted(set(sizes or DEFAULT_SIZES))
    if counts[0] < 100:
        raise ValueError("sizes must be at least 100 packets")
    repeat = max(1, repeat)
    say = progress or (lambda _msg: None)
    tmp: tempfile.TemporaryDirectory[str] | None = None
    if workdir is None:
        tmp = tempfile.TemporaryDirectory(prefix="advisor-bench-trace-")
        wd = Path(tmp.name)
        venv_dir = _default_venv_dir()
    else:
        wd = Path(workdir)
        wd.mkdir(parents=True, exist_ok=True)
        venv_dir = wd / "venv-sip-doctor"
    result = TraceBenchResult(shapes=[], peers=peers,
                              machine=f"{platform.machine()}, {os.cpu_count()} CPUs, "
                                      f"Python {platform.python_version()}")
    try:
        # start-up of each tool (taken off for the time per packet, and for the flatness with two
        # sizes): one complete call, 7 SIP packets, so the run does the same kind of work as the
        # measured files (parse, calls, sides, findings, report) and nothing they do not (a capture
        # with an unanswered call also makes our reader look for DNS and ICMP evidence)
        tiny_path = str(wd / "bench-startup.pcap")
        tiny = write_capture(tiny_path, 7, "signalling", concurrent=1)
        tools: list[tuple[str, Callable[[str, GeneratedCapture], ToolRun]]] = [
            ("advisor", lambda path, gen: _run_ours(path, gen, wd, check=path != tiny_path)[0])]
        if peers:
            tools.append(("sip-doctor", lambda path, gen: _run_sip_doctor(path, gen, wd, venv_dir, say)))
            tools.append(("tshark", lambda path, gen: _run_tshark(path, gen, wd)))
        say("warming up each tool (bytecode, the trace knowledge cache) on a one-call file ...")
        for _tool, fn in tools:  # untimed: what every run after the first finds already there
            fn(tiny_path, tiny)
        say("timing each tool's start-up on a one-call file ...")
        for tool, fn in tools:
            best = _best([fn(tiny_path, tiny) for _ in range(repeat)])
            if best.seconds is not None:
                result.startup_seconds[tool] = best.seconds
                result.startup_cpu_seconds[tool] = best.cpu_seconds or 0.0
        Path(tiny_path).unlink(missing_ok=True)
        for name in names:
            shape = SHAPES[name]
            sh = ShapeResult(shape=name, description=shape.description, sizes=[])
            for n in sorted({max(100, int(c * shape.scale)) for c in counts}):
                path = str(wd / f"bench-{name}-{n}.pcap")
                say(f"{name}: writing a {n:,}-packet capture ...")
                t0 = time.perf_counter()
                gen = write_capture(path, n, shape)
                gen_s = time.perf_counter() - t0
                runs: list[ToolRun] = []
                correct = True
                for tool, fn in tools:
                    say(f"{name}, {gen.packets:,} packets: timing {tool} ...")
                    if tool == "advisor":
                        pairs = [_run_ours(path, gen, wd) for _ in range(repeat)]
                        correct = all(c for _, c in pairs)
                        best = _best([r for r, _ in pairs])
                    else:
                        best = _best([fn(path, gen) for _ in range(repeat)])
                    if best.cpu_seconds is not None:
                        start = result.startup_cpu_seconds.get(tool, 0.0)
                        best.us_per_packet = max(best.cpu_seconds - start, 0.0) / gen.packets * 1e6
                    runs.append(best)
                if not peers:
                    runs += [ToolRun(tool=t, command="", status="skipped") for t in ("sip-doctor", "tshark")]
                Path(path).unlink(missing_ok=True)
                sz = SizeRun(packets=gen.packets, file_mb=gen.bytes / 1e6, calls=gen.calls,
                             sip_messages=gen.sip_messages, rtp_packets=gen.rtp_packets,
                             rtp_streams=gen.rtp_streams, generate_seconds=gen_s, runs=runs, ours_correct=correct)
                ours, sd = sz.run("advisor"), sz.run("sip-doctor")
                if ours and sd and ours.packets_per_s and sd.packets_per_s and ours.peak_rss_mb and sd.peak_rss_mb:
                    sz.speed_ratio_vs_sip_doctor = ours.packets_per_s / sd.packets_per_s
                    if ours.packets_per_cpu_s and sd.packets_per_cpu_s:
                        sz.cpu_speed_ratio_vs_sip_doctor = ours.packets_per_cpu_s / sd.packets_per_cpu_s
                    sz.memory_ratio_vs_sip_doctor = ours.peak_rss_mb / sd.peak_rss_mb
                sh.sizes.append(sz)
            if len(sh.sizes) > 1:
                first, last = sh.sizes[0], sh.sizes[-1]
                for tool, _ in tools:
                    a, b = first.run(tool), last.run(tool)
                    flat = flatness_of(sh.sizes, tool)
                    if flat is not None:
                        sh.flatness[tool] = flat
                    if a and b and a.peak_rss_mb and b.peak_rss_mb:
                        sh.memory_growth[tool] = b.peak_rss_mb / a.peak_rss_mb
            result.shapes.append(sh)
        return result
    finally:
        if tmp is not None:
            tmp.cleanup()
        else:
            for p in wd.glob("bench-*.pcap"):
                p.unlink(missing_ok=True)


def _main(argv: list[str]) -> int:
    """python -m advisor.bench.trace_bench [--shapes a,b] [--sizes N,M] [--quick] [--no-peers] [--repeat N] ..."""
    import argparse

    ap = argparse.ArgumentParser(prog="python -m advisor.bench.trace_bench")
    ap.add_argument("--shapes", type=_parse_list, help=f"comma list of {', '.join(SHAPES)} (default all)")
    ap.add_argument("--sizes", type=lambda t: [int(x) for x in _parse_list(t)])
    ap.add_argument("--quick", action="store_true", help=f"sizes {', '.join(f'{n:,}' for n in QUICK_SIZES)}")
    ap.add_argument("--no-peers", action="store_true")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--workdir")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--markdown", action="store_true", help="per-shape tables in Markdown")
    ap.add_argument("--peers-from", help="a JSON result of an earlier run: its sip-doctor/tshark runs are shown"
                                         " beside ours for the same shape and size (use with --no-peers)")
    args = ap.parse_args(argv)
    res = run_trace_bench(
        shapes=args.shapes,
        sizes=args.sizes or (list(QUICK_SIZES) if args.quick else None),
        workdir=args.workdir,
        peers=not args.no_peers,
        progress=lambda m: print(m, file=sys.stderr),
        repeat=args.repeat,
    )
    if args.peers_from:
        res = with_peers_from(res, TraceBenchResult.model_validate_json(Path(args.peers_from).read_text()))
    print(res.model_dump_json(indent=2) if args.json else res.markdown() if args.markdown else res.render())
    return 0 if res.goals_met else 1


if __name__ == "__main__":
    raise SystemExit(_main(sys.argv[1:]))
