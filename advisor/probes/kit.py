"""`advisor probe kit`: one self-contained Python file the customer runs on the PBX host.

A firewall on the customer's side can only be tested from behind it. The kit
is wire.py (the same probe code the advisor runs) plus kit_main.py plus the
engineer's plan, standard library only, no install. It prints one JSON
document (the `ProbeReport` shape, `where: pbx_host`) that
`advisor diagnose --probe-results FILE` and the TUI import.
"""

from __future__ import annotations

import json
import re
from importlib import resources

from advisor import __version__
from advisor.probes.spec import ProbeRequest

KIT_PROBES = ("dns", "options", "port", "tls")
_DROP = re.compile(r"^# kit: drop from here$.*?^# kit: drop to here$\n", re.M | re.S)
_FUTURE = "from __future__ import annotations\n"


def plan_items(requests: list[ProbeRequest], roles: dict[int, str]) -> list[dict[str, str]]:
    """The plan embedded in the kit; ValueError for a probe the kit cannot run on the PBX host."""
    items: list[dict[str, str]] = []
    for i, req in enumerate(requests):
        if req.probe not in KIT_PROBES:
            raise ValueError(f"the kit runs {', '.join(KIT_PROBES)} probes; {req.probe} gives the same answer"
                             " from anywhere, run it here")
        item = {"probe": req.probe, "target": req.target, "role": roles.get(i, req.role or "")}
        for key in ("transport", "name"):
            if key in req.options:
                item[key] = req.options[key]
        if req.probe == "options" and req.options.get("transport") == "all":
            for tp in ("udp", "tcp", "tls"):
                items.append({**item, "transport": tp})
            continue
        items.append(item)
    return items


def build_kit(plan: list[dict[str, str]]) -> str:
    """The kit's source text."""
    pkg = resources.files("advisor.probes")
    wire = pkg.joinpath("wire.py").read_text(encoding="utf-8")
    main = pkg.joinpath("kit_main.py").read_text(encoding="utf-8")
    main = _DROP.sub("", main).replace(_FUTURE, "")
    plan_text = json.dumps(plan, indent=2)
    return (
        "#!/usr/bin/env python3\n"
        f"# SIP Trunk Advisor probe kit (advisor {__version__}). Standard library only, Python 3.7+.\n"
        "# Run on the PBX host:  python3 advisor-probe-kit.py > probe-results.json\n"
        "# It sends only the probes planned at the bottom of this file (see --list, --dry-run).\n"
        + wire
        + "\n\n# ---- kit entry point ----------------------------------------------------------------\n"
        + main
        + f"\n\nPLAN = json.loads({plan_text!r})\n\n"
        "if __name__ == \"__main__\":\n"
        "    sys.exit(kit_main(PLAN, sys.argv[1:]))\n"
    )
