"""Plain-text rendering of a diagnosis for the terminal (the non --json output)."""

from __future__ import annotations

from advisor.engine.diagnosis import Diagnosis

_MARK = {"confirmed": "✔", "candidate": "·", "ruled_out": "✘"}


def render_diagnosis(d: Diagnosis, show_ruled_out: int = 5) -> str:
    out = [d.conclusion.summary, ""]
    if d.observations:
        out.append("Observations:")
        for o in d.observations:
            out.append(f"  {o.id} = {o.value}   [{o.source.label()}]" + (f"  {o.note}" if o.note else ""))
        out.append("")
    live = [c for c in d.causes if c.status != "ruled_out"]
    gone = [c for c in d.causes if c.status == "ruled_out"]
    out.append(f"Causes ({len(live)} possible, {len(gone)} ruled out):")
    for c in live[:10]:
        bar = "█" * round(c.confidence * 20)
        out.append(f"  {_MARK[c.status]} {c.id:<48} {c.confidence:5.0%} {bar}")
        for r in c.because:
            if r.effect in ("meets_requirement", "still_needed", "supports", "weakens"):
                out.append(f"      - {r.text}" + (f" [{r.source}]" if r.source else ""))
    if len(live) > 10:
        out.append(f"  … {len(live) - 10} more")
    for c in gone[:show_ruled_out]:
        why = "; ".join(r.text for r in c.because if r.effect in ("rules_out", "excludes"))
        out.append(f"  {_MARK[c.status]} {c.id:<48} ruled out: {why}")
    if len(gone) > show_ruled_out:
        out.append(f"  … {len(gone) - show_ruled_out} more ruled out (use --json for all)")
    if d.conclusion.status == "confirmed" and d.conclusion.cause:
        top = next(c for c in d.causes if c.id == d.conclusion.cause)
        out += ["", f"Fix for {top.id}:"] + [f"  {i}. {step}" for i, step in enumerate(top.fix, 1)]
    if d.next_question:
        q = d.next_question
        out += ["", f"Next question ({q.observation}): {q.text}", f"  why: {q.why}"]
        for opt in q.options:
            out.append(f"  --answer {q.observation}={opt.value:<26} keeps {len(opt.keeps)}: {opt.label}")
    for w in d.warnings:
        out.append(f"warning: {w}")
    return "\n".join(out)
