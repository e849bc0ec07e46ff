"""Run probe requests concurrently: each with its own timeout, all sharing one polite limiter.

The wall time of a run is about that of its slowest probe, not the sum; both
are recorded in the report (`wall_ms`, `sequential_ms`), with the busiest
second per host. Cancelling the task that awaits `run_probes` cancels every probe.
"""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Callable, Sequence

from advisor.kb.loader import KnowledgeBase
from advisor.probes import wire
from advisor.probes.address import PublishedNetwork
from advisor.probes.catalog import ProbeCatalog
from advisor.probes.model import ProbeReport, ProbeResult
from advisor.probes.spec import ProbeRequest, Runner, start

Progress = Callable[[str, ProbeResult | None], None]
"""Called with (request text, None) when a probe starts and (request text, result) for each result."""


def carrier_networks(kb: KnowledgeBase) -> tuple[PublishedNetwork, ...]:
    """The carrier's published signalling/media ranges, with their source, from the carrier knowledge."""
    carrier = kb.trace.carrier
    nets = [PublishedNetwork(n.cidr, "signalling", n.region, carrier.source) for n in carrier.signalling_networks]
    nets += [PublishedNetwork(n.cidr, "media", n.region, carrier.source) for n in carrier.media_networks]
    return tuple(nets)


def resolve_role(catalog: ProbeCatalog, req: ProbeRequest) -> str:
    probe = catalog.probes.get(req.probe)
    if probe is None:
        raise ValueError(f"probe {req.probe!r} is not in knowledge/probes.yaml")
    role = req.role or probe.default_role
    if role not in probe.roles:
        raise ValueError(f"probe {req.probe}: unknown role {role!r} (known: {', '.join(probe.roles)})")
    return role


def prepare(requests: Sequence[ProbeRequest], catalog: ProbeCatalog, kb: KnowledgeBase, *, timeout: float,
            limiter: wire.HostLimiter, dry_run: bool = False,
            dns_server: str | None = None) -> list[tuple[ProbeRequest, Runner]]:
    """Check every request before anything is sent: a bad one is a ValueError, nothing runs."""
    nets = carrier_networks(kb)
    return [(req, start(req, resolve_role(catalog, req), timeout=timeout, limiter=limiter, dry_run=dry_run,
                        dns_server=dns_server, networks=nets)) for req in requests]


async def run_probes(requests: Sequence[ProbeRequest], catalog: ProbeCatalog, kb: KnowledgeBase, *,
                     timeout: float = wire.DEFAULT_TIMEOUT, dry_run: bool = False, dns_server: str | None = None,
                     where: str = "engineer", progress: Progress | None = None,
                     limiter: wire.HostLimiter | None = None) -> ProbeReport:
    limiter = limiter or wire.HostLimiter()
    jobs = prepare(requests, catalog, kb, timeout=timeout, limiter=limiter, dry_run=dry_run, dns_server=dns_server)
    started = wire.utc_now()
    t0 = time.monotonic()
    # hard cap per probe: a TLS check makes up to 3 handshakes, polite waits come on top
    cap = 3 * timeout + 0.5 * len(jobs) + 1.0

    async def one(req: ProbeRequest, runner: Runner) -> list[ProbeResult]:
        if progress:
            progress(req.text(), None)
        begun = time.monotonic()
        try:
            got = await asyncio.wait_for(runner(), cap)
            results = [ProbeResult.from_wire(w) for w in got]
        except TimeoutError:
            results = [ProbeResult(probe=req.probe, role=req.role or "", target=req.target, outcome="timeout",
                                   ok=False, summary=f"the probe did not finish within {cap:g} s", started=started,
                                   elapsed_ms=round((time.monotonic() - begun) * 1000, 1))]
        except (OSError, ValueError) as exc:  # a failure nobody foresaw is still a result, not a traceback
            results = [ProbeResult(probe=req.probe, role=req.role or "", target=req.target, outcome="error",
                                   ok=False, summary=f"{exc.__class__.__name__}: {exc}", started=started,
                                   elapsed_ms=round((time.monotonic() - begun) * 1000, 1))]
        if progress:
            for r in results:
                progress(req.text(), r)
        return results

    groups = await asyncio.gather(*(one(req, runner) for req, runner in jobs))
    results = [r for g in groups for r in g]
    return ProbeReport(where=where, host=socket.gethostname(), started=started,
                       wall_ms=round((time.monotonic() - t0) * 1000, 1),
                       sequential_ms=round(sum(r.elapsed_ms for r in results), 1),
                       max_requests_per_second=limiter.max_rate(), results=results)
