"""Child process for `advisor bench trace`: read one capture, print a JSON summary.

Run as `python -m advisor.bench.trace_probe FILE`; exit code 0 on success,
1 with the TraceError line on stderr when the file cannot be read.
"""

from __future__ import annotations

import json
import sys


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m advisor.bench.trace_probe FILE", file=sys.stderr)
        return 2
    from advisor.evidence.pcap_reader import read_capture
    from advisor.evidence.records import TraceError

    try:
        cc = read_capture(args[0])
    except TraceError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    print(
        json.dumps(
            {
                "file": cc.file,
                "format": cc.format,
                "packets": cc.packets,
                "sip": len(cc.sip),
                "sip_udp": sum(1 for r in cc.sip if r.transport == "udp"),
                "sip_tcp": sum(1 for r in cc.sip if r.transport == "tcp"),
                "rtp_streams": len(cc.rtp),
                "rtp_packets": sum(s.packets for s in cc.rtp),
                "warnings": cc.warnings,
            }
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
