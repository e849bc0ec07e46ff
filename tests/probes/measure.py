"""Probe timings for the closing note: sequential sum vs concurrent wall, requests per second per host.

    PYTHONPATH=$PWD python -m tests.probes.measure

Starts the test Kamailio and Unbound on loopback (as the tests do), runs a
typical engineer's set of probes concurrently through `run_probes`, and prints
the report's numbers. Loopback only.
"""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

from advisor.kb.loader import load_kb
from advisor.probes.catalog import load_catalog
from advisor.probes.runner import run_probes
from advisor.probes.spec import ProbeRequest
from tests.probes.servers import free_port, start_kamailio, start_unbound, stop


def main() -> None:
    kb = load_kb()
    catalog = load_catalog(kb)
    with tempfile.TemporaryDirectory() as tmp:
        k_dir, u_dir = Path(tmp, "k"), Path(tmp, "u")
        k_dir.mkdir()
        u_dir.mkdir()
        kam, unb = start_kamailio(k_dir), start_unbound(u_dir)
        try:
            requests = [
                ProbeRequest("dns", "trunk.probe.test", "termination", {"server": unb.server}),
                ProbeRequest("dns", "missing.probe.test", "termination", {"server": unb.server}),
                ProbeRequest("options", kam.uri("ok"), "carrier"),
                ProbeRequest("options", kam.uri("forbidden", "tls"), "carrier"),
                ProbeRequest("options", kam.uri("silent"), "carrier"),
                ProbeRequest("options", kam.uri("auth", "tcp"), "carrier"),
                ProbeRequest("tls", f"127.0.0.1:{kam.tls}", "carrier"),
                ProbeRequest("port", f"127.0.0.1:{kam.tcp}", "carrier"),
                ProbeRequest("port", f"127.0.0.1:{free_port()}", "carrier", {"transport": "udp"}),
                ProbeRequest("numbers", "+14155550100", "dialled", {"from": "+442079460000"}),
                ProbeRequest("address", "100.64.0.1", "pbx_sdp"),
            ]
            report = asyncio.run(run_probes(requests, catalog, kb, timeout=3.0))
        finally:
            stop(kam.proc)
            stop(unb.proc)
    for r in report.results:
        print(f"{r.elapsed_ms:8.1f} ms  {r.probe:8} {r.outcome:16} {r.target}")
    print(f"{len(report.results)} results: sequential sum {report.sequential_ms / 1000:.2f} s,"
          f" concurrent wall {report.wall_ms / 1000:.2f} s")
    print("busiest second per host (requests):", report.max_requests_per_second)


if __name__ == "__main__":
    main()
