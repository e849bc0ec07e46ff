"""`advisor` command line: subcommands registered from small modules.

Each command module has `register(subparsers)`; handlers return an exit code
(0 ok, 1 failing check, 2 bad usage or input). Heavy imports stay inside the
handlers so `advisor --help` and the TUI start fast.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Sequence

from advisor import __version__
from advisor.cli.common import CliError, fail

COMMAND_MODULES = (
    "advisor.cli.tui_cmd",
    "advisor.cli.diagnose_cmd",
    "advisor.cli.trace_cmd",
    "advisor.cli.kb_cmd",
    "advisor.cli.session_cmd",
    "advisor.cli.bench_cmd",
    "advisor.cli.train_cmd",
    "advisor.cli.probe_cmd",
)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        raise CliError(f"{self.prog}: {message}", 2)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="advisor", description="SIP Trunk Advisor: guided troubleshooting of SIP trunks.")
    parser.add_argument("--version", action="version", version=f"advisor {__version__}")
    parser.add_argument("--kb", metavar="DIR", help="knowledge base directory (default: the shipped one)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                continue
            raise
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    try:
        parser = build_parser()
        args = parser.parse_args(args_list)
        handler = getattr(args, "handler", None)
        if handler is None:
            if args.command is None:
                tui = getattr(args, "default_handler", None) or _default_tui()
                if tui is None:
                    parser.print_help()
                    return 0
                return int(tui(args))
            parser.print_help()
            return 2
        return int(handler(args))
    except CliError as exc:
        if exc.message:
            from advisor.textsafe import visible

            print(visible(exc.message), file=sys.stderr)
        return exc.code
    except KeyboardInterrupt:
        print("advisor: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


def _default_tui() -> Callable[[argparse.Namespace], int] | None:
    try:
        from advisor.cli.tui_cmd import run_tui
    except ModuleNotFoundError:
        return None
    return run_tui


__all__ = ["CliError", "fail", "main"]
