"""The trace benchmark's generated shapes: each file holds what the generator says it holds.

Speed and memory are the benchmark's job (`advisor bench trace`), never asserted here.
"""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

import pytest

from advisor.bench.trace_bench import SHAPES, run_trace_bench, write_capture
from advisor.evidence.pcap_reader import read_capture


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_every_shape_is_read_back_exactly(tmp_path: Path, shape: str) -> None:
    gen = write_capture(str(tmp_path / f"{shape}.pcap"), 6000, shape)
    assert os.path.getsize(gen.path) == gen.bytes
    cc = read_capture(gen.path)
    assert cc.packets == gen.packets
    assert len(cc.sip) == gen.sip_messages
    assert sum(s.packets for s in cc.rtp) == gen.rtp_packets
    assert len(cc.rtp) == gen.rtp_streams
    assert cc.warnings == []
    assert gen.calls > 1


def test_shapes_differ_the_way_they_say(tmp_path: Path) -> None:
    sig = write_capture(str(tmp_path / "s.pcap"), 7000, "signalling")
    assert sig.rtp_packets == 0 and sig.sip_messages == 7000
    assert sig.calls >= 7000 // 7 - 50  # about one call per 7 SIP packets

    shared = read_capture(write_capture(str(tmp_path / "m.pcap"), 20000, "shared-media").path)
    to_carrier = Counter((s.dst, s.dport) for s in shared.rtp if s.src == "203.0.113.10")
    assert len(to_carrier) == 1 and next(iter(to_carrier.values())) > 20  # one carrier address:port for every call

    tcp = read_capture(write_capture(str(tmp_path / "t.pcap"), 20000, "tcp").path)
    assert tcp.sip and all(r.transport == "tcp" for r in tcp.sip)

    re = read_capture(write_capture(str(tmp_path / "r.pcap"), 20000, "reinvite").path)
    invites = [r for r in re.sip if r.raw.startswith(b"INVITE ")]
    call_ids = {r.raw.split(b"Call-ID: ", 1)[1].split(b"\r\n", 1)[0] for r in invites}
    assert len(invites) > 3 * len(call_ids)


def test_run_trace_bench_without_peers(tmp_path: Path) -> None:
    res = run_trace_bench(shapes=["rtp", "signalling"], sizes=[2000, 4000], workdir=str(tmp_path), peers=False)
    assert [s.shape for s in res.shapes] == ["rtp", "signalling"]
    rtp = res.shape("rtp")
    assert rtp is not None and [z.packets for z in rtp.sizes] == [2000, 4000]
    sig = res.shape("signalling")
    assert sig is not None and [z.packets for z in sig.sizes] == [200, 400]  # a tenth: SIP-only files are slow
    for sh in res.shapes:
        for z in sh.sizes:
            ours = z.run("advisor")
            assert ours is not None and ours.status == "ok" and z.ours_correct
            assert ours.packets_per_s and ours.messages_per_s and ours.peak_rss_mb
        assert "advisor" in sh.memory_growth  # (time per packet is ~0 net of start-up on such small files)
    text = res.render()
    assert "signalling" in text and "packets/s" in text and "not judged" in text
    assert not list(tmp_path.glob("*.pcap"))  # the generated files are removed


def test_unknown_shape_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown shape"):
        run_trace_bench(shapes=["nope"], peers=False)


def test_peers_from_an_earlier_run_sit_beside_ours(tmp_path: Path) -> None:
    from advisor.bench.trace_bench import ToolRun, with_peers_from

    earlier = run_trace_bench(shapes=["rtp"], sizes=[2000], workdir=str(tmp_path), peers=False)
    sd = ToolRun(tool="sip-doctor", command="x", status="ok", packets=2000, seconds=4.0, cpu_seconds=4.0,
                 packets_per_s=500.0, packets_per_cpu_s=500.0, peak_rss_mb=10_000.0)
    earlier.shapes[0].sizes[0].runs = [sd]
    now = run_trace_bench(shapes=["rtp"], sizes=[2000], workdir=str(tmp_path), peers=False)
    merged = with_peers_from(now, earlier)
    size = merged.shapes[0].sizes[0]
    borrowed = size.run("sip-doctor")
    assert borrowed is not None and "earlier run" in borrowed.detail
    assert size.cpu_speed_ratio_vs_sip_doctor is not None and size.memory_ratio_vs_sip_doctor is not None
    assert size.memory_ratio_vs_sip_doctor < 1  # ours against the made-up 10 GB


def test_unmeasurable_time_per_packet_is_reported_not_passed() -> None:
    """A smallest file that costs no more than start-up leaves no flatness: a stated miss, never a silent pass."""
    from advisor.bench.trace_bench import ShapeResult, SizeRun, ToolRun

    def size(n: int, us: float) -> SizeRun:
        run = ToolRun(tool="advisor", command="x", status="ok", packets=n, seconds=1.0, cpu_seconds=1.0,
                      us_per_packet=us)
        return SizeRun(packets=n, file_mb=1.0, calls=1, sip_messages=1, rtp_packets=n, rtp_streams=1,
                       generate_seconds=0.0, runs=[run], ours_correct=True)

    shape = ShapeResult(shape="long", description="", sizes=[size(1000, 0.0), size(8000, 0.5)])
    assert any("not measurable" in g for g in shape.goals())
    shape.flatness["advisor"] = 1.1
    assert shape.goals() == []


def _sizes(cpu: dict[int, float], startup_cpu: float = 0.2) -> list:
    from advisor.bench.trace_bench import SizeRun, ToolRun

    out = []
    for n, c in cpu.items():
        run = ToolRun(tool="advisor", command="x", status="ok", packets=n, seconds=c, cpu_seconds=c,
                      us_per_packet=max(c - startup_cpu, 0.0) / n * 1e6)
        out.append(SizeRun(packets=n, file_mb=1.0, calls=1, sip_messages=1, rtp_packets=n, rtp_streams=1,
                           generate_seconds=0.0, runs=[run], ours_correct=True))
    return out


def test_flatness_is_the_marginal_cost_and_can_fail() -> None:
    """Flatness from the marginal CPU time per packet between sizes: a linear cost passes whatever the
    start-up, a cost that grows faster than the packets fails, a cost that does not grow is not measurable."""
    from advisor.bench.trace_bench import GOAL_FLAT, ShapeResult, flatness_of

    sizes = [125_000, 250_000, 500_000, 1_000_000]
    linear = _sizes({n: 0.25 + 2e-6 * n for n in sizes}, startup_cpu=0.35)  # start-up over-estimated: no matter
    flat = flatness_of(linear, "advisor")
    assert flat is not None and abs(flat - 1.0) < 1e-9
    quadratic = _sizes({n: 0.25 + 2e-6 * n + 4e-12 * n * n for n in sizes})
    flat = flatness_of(quadratic, "advisor")
    assert flat is not None and flat > GOAL_FLAT
    shape = ShapeResult(shape="tcp", description="", sizes=quadratic, flatness={"advisor": flat})
    assert any("grows" in g for g in shape.goals())
    shrinking = _sizes({125_000: 1.0, 250_000: 0.9, 500_000: 1.5, 1_000_000: 2.5})
    assert flatness_of(shrinking, "advisor") is None
    assert any("not measurable" in g for g in ShapeResult(shape="long", description="", sizes=shrinking).goals())
    # two sizes: the time per packet net of start-up, largest over smallest
    two = _sizes({1000: 1.2, 8000: 0.2 + 8000 * 3e-4}, startup_cpu=0.2)
    assert flatness_of(two, "advisor") == pytest.approx(3e-4 / 1e-3)
