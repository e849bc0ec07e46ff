"""Which probes would answer what is still open, aimed at the trunk's context; results as session events.

Shared by the TUI's probes panel and anything else that suggests probes: no UI here.
"""

from __future__ import annotations

from dataclasses import dataclass

from advisor.context import TrunkContext
from advisor.engine.diagnosis import Diagnosis
from advisor.kb.loader import KnowledgeBase
from advisor.probes.catalog import ProbeCatalog
from advisor.probes.model import ProbeReport
from advisor.probes.spec import ProbeRequest
from advisor.session.events import ProbeRun


@dataclass(frozen=True)
class Suggestion:
    """A probe that would fill an open observation, where it must run, and a target when the context has one."""

    observations: tuple[str, ...]
    probe: str
    role: str
    where: tuple[str, ...]
    target: str | None
    why: str

    @property
    def runs_here(self) -> bool:
        return "engineer" in self.where

    def request(self) -> ProbeRequest | None:
        return ProbeRequest(self.probe, self.target, self.role) if self.target else None

    def text(self) -> str:
        req = self.request()
        return req.text() if req else f"{self.probe}=TARGET,role={self.role}"


def _hostport(uri: str | None) -> tuple[str, str] | None:
    """(host, host[:port]) of a URI or host the engineer typed into the trunk context."""
    if not uri:
        return None
    text = uri.strip().removeprefix("sips:").removeprefix("sip:").split("@")[-1].split(";")[0]
    host = text.split("]")[0] + "]" if text.startswith("[") else text.split(":")[0]
    return (host, text) if host else None


def _target(probe: str, role: str, ctx: TrunkContext) -> str | None:
    uri = ctx.termination_uri if role in ("carrier", "termination") else (
        ctx.origination_uri or ctx.pbx_public_address if role in ("origination", "pbx") else None)
    hp = _hostport(uri)
    if probe == "dns":
        return hp[0] if hp else None
    if probe == "options" and hp:
        return f"sip:{hp[1]}"
    if probe == "port" and hp:
        return hp[1] if hp[1] != hp[0] else f"{hp[0]}:5060"
    if probe == "tls" and hp:
        return f"{hp[0]}:5061"
    if probe == "numbers" and role == "dialled" and ctx.numbers:
        return ctx.numbers[0]
    if probe == "address" and role in ("pbx_sdp", "ok_contact", "any"):
        return ctx.pbx_public_address
    return None


def open_observations(d: Diagnosis, kb: KnowledgeBase) -> list[str]:
    """Unknown facts that matter to a remaining cause: the open question's first, then what the
    candidates still need to be confirmed, then what would support or exclude one of them."""
    known = {o.id for o in d.observations}
    out: list[str] = []
    if d.next_question is not None:
        out.append(d.next_question.observation)
    alive = [c for c in d.causes if c.status != "ruled_out"]
    for cause in alive:
        out += [r.observation for r in cause.because if r.effect == "still_needed"]
    for cause in alive:
        definition = kb.causes.get(cause.id)
        if definition is not None:
            out += [*definition.required_observations(), *definition.supports, *definition.contradicts]
    return [o for o in dict.fromkeys(out) if o not in known]


def suggest(catalog: ProbeCatalog, d: Diagnosis, ctx: TrunkContext, kb: KnowledgeBase) -> list[Suggestion]:
    """One suggestion per probe and role, naming every open observation it would answer."""
    grouped: dict[tuple[str, str], Suggestion] = {}
    for obs in open_observations(d, kb):
        for probe, role, where in catalog.probes_answering(obs):
            why = next((a.why for a in probe.answers if a.observation == obs and a.role == role),
                       next((x.why for x in probe.details if x.observation == obs and x.role == role), ""))
            old = grouped.get((probe.id, role))
            if old is None:
                grouped[(probe.id, role)] = Suggestion((obs,), probe.id, role, tuple(where),
                                                       _target(probe.id, role, ctx), why)
            elif obs not in old.observations:
                wider = tuple(dict.fromkeys((*old.where, *where)))
                grouped[(probe.id, role)] = Suggestion((*old.observations, obs), probe.id, role, wider, old.target,
                                                       old.why)
    return list(grouped.values())


def runs_from_report(catalog: ProbeCatalog, report: ProbeReport) -> list[ProbeRun]:
    """One session event per result, carrying the observations it is evidence for (maybe none)."""
    runs: list[ProbeRun] = []
    for r in report.results:
        obs = catalog.observations_for(r, report.where, report.host)
        why = None if obs else catalog.ignored_because(r, report.where)
        details: dict[str, str | int | float | bool | None] = {k: v for k, v in r.details.items()
                                                                if k not in ("records", "timings")}
        details.update(where=report.where, host=report.host, outcome=r.outcome, elapsed_ms=r.elapsed_ms)
        summary = r.summary + (f" [answers nothing: {why}]" if why else "")
        runs.append(ProbeRun(probe=r.probe, target=r.target, ok=r.ok, summary=summary, details=details,
                             observations=obs))
    return runs
