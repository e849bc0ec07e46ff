"""The probe kit's entry point: runs the planned probes on the PBX host and prints one JSON document.

`advisor probe kit` writes wire.py and this file, joined, into one script
(standard library only, Python 3.7+). The lines between the `kit:` markers
below are dropped there: in the kit these names are already defined above.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import socket
import sys
import time
from typing import Awaitable, Dict, List

# kit: drop from here
from advisor.probes.wire import (
    DEFAULT_TIMEOUT,
    HostLimiter,
    WireResult,
    port_check,
    sip_options,
    system_resolve,
    tls_check,
    utc_now,
)

# kit: drop to here

KIT_NAME = "advisor-probe-kit"


def _job(item: Dict[str, str], timeout: float, limiter: HostLimiter, dry_run: bool) -> "Awaitable[WireResult]":
    probe, target, role = item["probe"], item["target"], item.get("role", "")
    if probe == "dns":
        return system_resolve(target, role=role or "termination", timeout=timeout)
    if probe == "options":
        return sip_options(target, item.get("transport") or None, role=role or "carrier", timeout=timeout,
                           limiter=limiter, dry_run=dry_run)
    host, _, port = target.rpartition(":")
    if probe == "port":
        return port_check(host.strip("[]"), int(port), item.get("transport", "tcp"), role=role or "carrier",
                          timeout=timeout, limiter=limiter, dry_run=dry_run)
    if probe == "tls":
        return tls_check(host.strip("[]"), int(port), role=role or "carrier", server_name=item.get("name") or None,
                         timeout=timeout, limiter=limiter, dry_run=dry_run)
    raise ValueError("unknown probe " + probe)


async def run_plan(plan: List[Dict[str, str]], timeout: float, dry_run: bool = False) -> Dict[str, object]:
    limiter = HostLimiter()
    started = utc_now()
    t0 = time.monotonic()

    async def one(item: Dict[str, str]) -> WireResult:
        sys.stderr.write("probing " + item["probe"] + " " + item["target"] + " ...\n")
        try:
            return await asyncio.wait_for(_job(item, timeout, limiter, dry_run), 3 * timeout + len(plan))
        except asyncio.TimeoutError:
            return WireResult(item["probe"], item.get("role", ""), item["target"], "timeout", False,
                              "the probe did not finish in time", started)
        except (OSError, ValueError) as exc:
            return WireResult(item["probe"], item.get("role", ""), item["target"], "error", False,
                              exc.__class__.__name__ + ": " + str(exc), started)

    results = await asyncio.gather(*(one(item) for item in plan))
    return {
        "format": 1,
        "tool": KIT_NAME,
        "where": "pbx_host",
        "host": socket.gethostname(),
        "started": started,
        "wall_ms": round((time.monotonic() - t0) * 1000, 1),
        "sequential_ms": round(sum(r.elapsed_ms for r in results), 1),
        "max_requests_per_second": limiter.max_rate(),
        "results": [r.to_dict() for r in results],
    }


def kit_main(plan: List[Dict[str, str]], argv: List[str]) -> int:
    parser = argparse.ArgumentParser(prog=KIT_NAME, description="Runs the SIP trunk probes the support engineer"
                                     " planned, from this host, and prints one JSON document to send back.")
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, help="seconds per probe")
    parser.add_argument("--dry-run", action="store_true", help="print what would be sent; send nothing")
    parser.add_argument("--list", action="store_true", help="list the planned probes and exit")
    args = parser.parse_args(argv)
    if args.list:
        for item in plan:
            print(item["probe"], item["target"], item.get("role", ""), item.get("transport", ""))
        return 0
    if args.timeout <= 0 or args.timeout > 60:
        parser.error("--timeout takes 0 < seconds <= 60")
    report = asyncio.run(run_plan(plan, args.timeout, args.dry_run))
    json.dump(report, sys.stdout, indent=2)
    sys.stdout.write("\n")
    results = report["results"]
    assert isinstance(results, list)
    return 1 if any(not r.get("ok") for r in results) else 0
