"""`advisor bench tui`: how fast the TUI gets to the first question, and how fast an answer shows.

* cold start: a fresh `python -m advisor.bench.tui_probe` child runs the app
  headless (Textual's test driver), presses "1" (calls out fail) and "0" (any
  symptom) as soon as the start screen is painted - before the knowledge base
  is in, so the keys must be held, not dropped - and reports the wall clock
  (and its CPU time) when the first question has been painted. Measured from
  just before the parent spawns the child, so interpreter start, imports,
  knowledge loading and the first layout all count. Run with the compiled
  knowledge cache current and with it off, after one unmeasured run that
  compiles the bytecode (as pip does at install time) and fills the cache.
  Sessions, bytecode and the cache go to throwaway directories.
* answer latency: in one process, a key press ("1" or "d", alternately) until
  the frame showing the updated reasoning panel and next question has been
  composed (the callback Textual runs after the next refresh). Median, p90 and
  max over N answers that lead to a next question (answers that conclude and
  open the diagnosis screen are counted apart), at 80x24 and 160x50, with sessions saved after every
  event as in real use; a concluded session is replaced by a new one (not
  timed).

Goals: first question < 0.6 s cold, no key lost; each answer < 50 ms.
"""

from __future__ import annotations

import asyncio
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from pydantic import BaseModel

__all__ = ["ColdRun", "LatencyRun", "TuiBench", "run_tui_bench"]

COLD_GOAL_S = 0.6
ANSWER_GOAL_MS = 50.0


class ColdRun(BaseModel):
    size: str
    cache: bool = True
    """Whether the compiled-knowledge cache was on (and current)."""
    runs: list[float]
    median_s: float
    cpu_median_s: float | None = None
    """CPU time of the child up to the first question: steadier than wall time on a shared machine."""
    imports_s: float
    start_s: float | None = None
    knowledge_s: float
    keys_lost: int = 0
    """Runs where "1", "0" pressed on the first frame did not lead to the first question."""
    goal_s: float = COLD_GOAL_S
    met: bool


class LatencyRun(BaseModel):
    size: str
    answers: int
    median_ms: float
    p90_ms: float
    max_ms: float
    handler_median_ms: float
    concluding: int = 0
    concluding_median_ms: float | None = None
    goal_ms: float = ANSWER_GOAL_MS
    met: bool


class TuiBench(BaseModel):
    python: str
    platform: str
    cold: list[ColdRun]
    latency: list[LatencyRun]
    goals_met: bool

    def render(self) -> str:
        lines = ["TUI benchmark", f"python {self.python} on {self.platform}", ""]
        lines.append("Cold start to the first question painted (fresh process, headless)")
        lines.append("Keys 1, 0 pressed as soon as the start screen is painted (before the knowledge base is in).")
        lines.append("| size | cache | median | CPU | runs | imports done | start screen painted | knowledge loaded "
                     "| keys lost | goal |")
        lines.append("|---|---|---|---|---|---|---|---|---|---|")
        for c in self.cold:
            runs = ", ".join(f"{r:.2f}" for r in c.runs)
            start = f"{c.start_s:.2f} s" if c.start_s is not None else "-"
            cpu = f"{c.cpu_median_s:.2f} s" if c.cpu_median_s is not None else "-"
            lines.append(f"| {c.size} | {'on' if c.cache else 'off'} | {c.median_s:.2f} s | {cpu} | {runs} "
                         f"| {c.imports_s:.2f} s | {start} | {c.knowledge_s:.2f} s | {c.keys_lost} "
                         f"| < {c.goal_s:g} s {'ok' if c.met else 'MISSED'} |")
        lines.append("")
        lines.append("Key press to the updated screen (reasoning panel + next question)")
        lines.append("| size | answers | median | p90 | max | of which handler | goal "
                     "| answers opening the diagnosis |")
        lines.append("|---|---|---|---|---|---|---|---|")
        for r in self.latency:
            conc = f"{r.concluding}, median {r.concluding_median_ms:.0f} ms" if r.concluding_median_ms else "none"
            lines.append(f"| {r.size} | {r.answers} | {r.median_ms:.1f} ms | {r.p90_ms:.1f} ms | {r.max_ms:.1f} ms "
                         f"| {r.handler_median_ms:.1f} ms | < {r.goal_ms:g} ms {'ok' if r.met else 'MISSED'} "
                         f"| {conc} |")
        lines.append("")
        lines.append("all goals met" if self.goals_met else "some goals missed")
        return "\n".join(lines)


# ---- cold start (child process: advisor/bench/tui_probe.py) ---------------------------------


def _child_env(data_dir: str, cache_dir: str, cache: bool) -> dict[str, str]:
    env = dict(os.environ)
    root = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env["ADVISOR_DATA_DIR"] = data_dir
    env["ADVISOR_CACHE_DIR"] = cache_dir
    env.pop("ADVISOR_NO_CACHE", None)
    if not cache:
        env["ADVISOR_NO_CACHE"] = "1"
    env.pop("TEXTUAL", None)
    # as an installed tool starts: from compiled bytecode (pip compiles it at install time). A
    # machine with PYTHONDONTWRITEBYTECODE set would otherwise compile every module on every run;
    # the warm-up run writes the bytecode into a throwaway prefix instead of the source tree.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = os.path.join(cache_dir, "pycache")
    return env


def cold_start(size: tuple[int, int], runs: int = 5, cache: bool = True) -> ColdRun:
    totals: list[float] = []
    imports: list[float] = []
    knowledge: list[float] = []
    started: list[float] = []
    cpu: list[float] = []
    lost = 0
    with tempfile.TemporaryDirectory(prefix="advisor-tui-bench-") as data_dir, \
            tempfile.TemporaryDirectory(prefix="advisor-tui-cache-") as cache_dir:
        env = _child_env(data_dir, cache_dir, cache)
        for n in range(runs + 1):
            start = time.time()
            out = subprocess.run([sys.executable, "-m", "advisor.bench.tui_probe", f"{size[0]}x{size[1]}"],
                                 capture_output=True, text=True, env=env, timeout=120, check=False)
            if out.returncode != 0:
                raise RuntimeError(f"TUI probe failed: {out.stderr.strip()[-500:]}")
            marks = json.loads(out.stdout.strip().splitlines()[-1])
            if n == 0:
                continue  # fills the caches (bytecode; compiled knowledge when on): the runs measured start warm
            if marks.get("lost"):
                lost += 1
                continue
            totals.append(marks["question"] - start)
            imports.append(marks["imports"] - start)
            knowledge.append(marks["knowledge"] - start)
            started.append(marks["start"] - start)
            cpu.append(marks["cpu_question"])
    med = statistics.median(totals) if totals else float("inf")
    return ColdRun(size=f"{size[0]}x{size[1]}", cache=cache, runs=[round(t, 3) for t in totals],
                   median_s=round(med, 3), cpu_median_s=round(statistics.median(cpu), 3) if cpu else None,
                   imports_s=round(statistics.median(imports), 3) if imports else 0.0,
                   start_s=round(statistics.median(started), 3) if started else None,
                   knowledge_s=round(statistics.median(knowledge), 3) if knowledge else 0.0,
                   keys_lost=lost, met=med < COLD_GOAL_S and lost == 0)


# ---- answer latency (in process) -----------------------------------------------------------


async def _latency(size: tuple[int, int], answers: int,
                   data_dir: str) -> tuple[list[float], list[float], list[float]]:
    from advisor.engine.diagnosis import Advisor
    from advisor.session.store import SessionStore
    from advisor.tui.app import AdvisorApp
    from advisor.tui.screens.diagnosis import DiagnosisScreen
    from advisor.tui.screens.session import SessionScreen

    advisor = Advisor()
    # sessions are saved after every event, as in real use (in a throwaway directory)
    app = AdvisorApp(advisor, store=SessionStore(data_dir))
    totals: list[float] = []
    concluding: list[float] = []
    handlers: list[float] = []
    painted: list[float] = []
    original = app.apply_answer

    def timed_answer(observation: str, raw: str | float, question: str | None = None) -> bool:
        t = time.perf_counter()
        ok = original(observation, raw, question)
        handlers.append(time.perf_counter() - t)
        # runs once the frame holding these changes has been composed
        app.call_after_refresh(lambda: painted.append(time.perf_counter()))
        return ok

    app.apply_answer = timed_answer  # type: ignore[method-assign]
    families = list(advisor.kb.families)
    async with app.run_test(size=size) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        n = 0
        while len(totals) < answers:
            screen = app.screen
            if not isinstance(screen, SessionScreen) or app.diagnosis is None or app.diagnosis.next_question is None:
                app.start_session(families[n % len(families)])
                n += 1
                await pilot.pause()
                await pilot.pause()
                continue
            before = len(painted)
            key = "1" if len(totals) % 2 == 0 and app.diagnosis.next_question.type != "number" else "d"
            start = time.perf_counter()
            await pilot.press(key)
            for _ in range(200):
                if len(painted) > before:
                    break
                await asyncio.sleep(0.001)
            else:
                continue  # the key was not an answer (no such option)
            if isinstance(app.screen, DiagnosisScreen):
                concluding.append(painted[before] - start)  # a whole new screen: reported apart
            else:
                totals.append(painted[before] - start)
            await pilot.pause()
    return totals, concluding, handlers


def answer_latency(size: tuple[int, int], answers: int = 30) -> LatencyRun:
    with tempfile.TemporaryDirectory(prefix="advisor-tui-bench-") as data_dir:
        totals, concluding, handlers = asyncio.run(_latency(size, answers, data_dir))
    ms = sorted(t * 1000 for t in totals)
    med = statistics.median(ms)
    p90 = ms[min(len(ms) - 1, round(0.9 * (len(ms) - 1)))]
    return LatencyRun(size=f"{size[0]}x{size[1]}", answers=len(ms), median_ms=round(med, 1), p90_ms=round(p90, 1),
                      max_ms=round(ms[-1], 1), handler_median_ms=round(statistics.median(handlers) * 1000, 1),
                      concluding=len(concluding),
                      concluding_median_ms=round(statistics.median(concluding) * 1000, 1) if concluding else None,
                      met=med < ANSWER_GOAL_MS)


def run_tui_bench(cold_runs: int = 5, answers: int = 30,
                  sizes: tuple[tuple[int, int], ...] = ((80, 24), (160, 50))) -> TuiBench:
    cold = [cold_start(sizes[0], cold_runs, cache=True), cold_start(sizes[0], cold_runs, cache=False)]
    latency = [answer_latency(size, answers) for size in sizes]
    return TuiBench(python=platform.python_version(), platform=platform.platform(terse=True), cold=cold,
                    latency=latency, goals_met=all(c.met for c in cold) and all(r.met for r in latency))


def main() -> int:
    result = run_tui_bench()
    print(result.render())
    return 0 if result.goals_met else 1


if __name__ == "__main__":
    raise SystemExit(main())
