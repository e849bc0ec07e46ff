"""Child process for `advisor bench tui`: one cold start, as an impatient engineer would do it.

Run as `python -m advisor.bench.tui_probe WxH`. It imports only what `advisor`
imports before its first frame (this module itself imports nothing heavy: no
pydantic), starts the real app headless, presses "1" (calls out fail) and "0"
(any symptom) the moment the start screen's list is on screen - usually before
the knowledge base is loaded, so the keys must be kept, not dropped - and prints
one JSON line of wall-clock marks (time.time(), comparable with the parent's):
imports, start (start screen painted), knowledge (knowledge base in),
question (the frame with the first question composed), each also as CPU time of
the process (cpu_*: steadier than wall time on a shared machine), plus "cache" (how the
knowledge base was loaded) and "lost" (true if the keys did not lead to the
first question within 20 s).
"""

from __future__ import annotations

import asyncio
import json
import sys
import time


def probe(size: tuple[int, int]) -> dict[str, float | str | bool]:
    marks: dict[str, float | str | bool] = {}
    from advisor.tui.startup import pause_gc

    pause_gc()  # as `advisor tui` starts (advisor/cli/tui_cmd.py)
    from advisor.tui.app import AdvisorApp
    from advisor.tui.screens.start import StartScreen

    marks["imports"] = time.time()
    marks["cpu_imports"] = time.process_time()
    app = AdvisorApp()

    async def main() -> None:
        async with app.run_test(size=size):
            while not (isinstance(app.screen, StartScreen) and app.screen.choices is not None):
                await asyncio.sleep(0.005)
            painted_start = asyncio.Event()

            def started() -> None:
                marks["start"] = time.time()
                marks["cpu_start"] = time.process_time()
                painted_start.set()

            app.call_after_refresh(started)
            await painted_start.wait()
            # as a terminal delivers them: at once, one after the other (Pilot.press would wait
            # for the process to go idle between keys, i.e. for the knowledge base to load)
            from textual import events

            for key in ("1", "0"):
                app.post_message(events.Key(key, key))
            deadline = time.time() + 20
            while time.time() < deadline:
                if "knowledge" not in marks and app.advisor is not None:
                    marks["knowledge"] = time.time()
                    marks["cpu_knowledge"] = time.process_time()
                d = app.diagnosis
                screen = app.screen
                if d is not None and d.next_question is not None and type(screen).__name__ == "SessionScreen":
                    from textual.css.query import NoMatches

                    from advisor.tui.widgets.question import QuestionPanel

                    try:
                        if screen.query_one(QuestionPanel).question is not None:
                            break
                    except NoMatches:  # pushed, not composed yet
                        pass
                await asyncio.sleep(0.005)
            else:
                marks["lost"] = True
                return
            marks.setdefault("knowledge", time.time())
            painted = asyncio.Event()

            def done() -> None:
                marks["question"] = time.time()
                marks["cpu_question"] = time.process_time()
                painted.set()

            app.call_after_refresh(done)
            await painted.wait()
            marks["cache"] = app.cache_state
            marks["lost"] = False

    asyncio.run(main())
    return marks


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    w, _, h = (args[0] if args else "80x24").partition("x")
    print(json.dumps(probe((int(w), int(h)))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
