"""A probe request, written the same way everywhere: `NAME=TARGET[,key=value...]`.

`advisor diagnose --probe options=sip:127.0.0.1:5070,transport=tcp`, the TUI's
probes panel and `advisor probe ...` all end in a `ProbeRequest`; `start`
turns one into the coroutine that runs it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from advisor.probes import wire

KINDS = ("dns", "options", "tls", "numbers", "address", "port")
_KEYS = {
    "dns": {"role", "server"},
    "options": {"role", "transport"},
    "tls": {"role", "ca", "name"},
    "numbers": {"role", "from", "region"},
    "address": {"role"},
    "port": {"role", "transport"},
}


@dataclass(frozen=True)
class ProbeRequest:
    probe: str
    target: str
    role: str | None = None
    options: dict[str, str] = field(default_factory=dict)

    def text(self) -> str:
        extra = "".join(f",{k}={v}" for k, v in sorted(self.options.items()))
        role = f",role={self.role}" if self.role else ""
        return f"{self.probe}={self.target}{role}{extra}"


def parse_spec(text: str) -> ProbeRequest:
    """`NAME=TARGET[,key=value...]`; ValueError with a one-line reason."""
    name, sep, rest = text.partition("=")
    name = name.strip().lower()
    if name not in KINDS:
        raise ValueError(f"unknown probe {name!r} (known: {', '.join(KINDS)})")
    if not sep or not rest.strip():
        raise ValueError(f"--probe {name} needs a target: {name}=TARGET[,key=value...]")
    parts = [p.strip() for p in rest.split(",")]
    target, options, role = parts[0], {}, None
    for p in parts[1:]:
        key, eq, value = p.partition("=")
        key = key.strip().lower()
        if not eq or key not in _KEYS[name]:
            raise ValueError(f"probe {name}: unknown option {p!r} (known: {', '.join(sorted(_KEYS[name]))})")
        if key == "role":
            role = value.strip()
        else:
            options[key] = value.strip()
    return ProbeRequest(name, target, role, options)


def _hostport(text: str, default: int) -> tuple[str, int]:
    raw = text.strip()
    if raw.startswith("["):
        host, _, rest = raw[1:].partition("]")
        port = rest.removeprefix(":")
    elif raw.count(":") == 1:
        host, port = raw.split(":")
    else:
        host, port = raw, ""
    if port and not port.isdigit():
        raise ValueError(f"not HOST:PORT: {text!r}")
    number = int(port) if port else default
    if not host or not 0 < number < 65536:
        raise ValueError(f"not HOST:PORT: {text!r}")
    return host, number


Runner = Callable[[], Awaitable[list[wire.WireResult]]]


def start(req: ProbeRequest, role: str, *, timeout: float, limiter: wire.HostLimiter, dry_run: bool = False,
          dns_server: str | None = None, networks: tuple[object, ...] = ()) -> Runner:
    """The coroutine factory for one request; ValueError for a bad target (before anything is sent)."""
    opts = req.options
    if req.probe == "dns":
        from advisor.probes.dns import parse_server, resolve_sip

        server = opts.get("server") or dns_server
        if server:
            parse_server(server)

        async def run_dns() -> list[wire.WireResult]:
            return [await resolve_sip(req.target, role=role, server=server, timeout=timeout, dry_run=dry_run)]
        return run_dns
    if req.probe == "options":
        transport = opts.get("transport")
        wire.parse_sip_uri(req.target)
        transports = ["udp", "tcp", "tls"] if transport == "all" else [transport] if transport else [None]
        for t in transports:
            if t not in (None, "udp", "tcp", "tls"):
                raise ValueError(f"transport {t!r}: udp, tcp, tls or all")

        async def run_options() -> list[wire.WireResult]:
            import asyncio

            return list(await asyncio.gather(*[
                wire.sip_options(req.target, t, role=role, timeout=timeout, limiter=limiter, dry_run=dry_run)
                for t in transports]))
        return run_options
    if req.probe == "tls":
        host, port = _hostport(req.target.removeprefix("sips:"), 5061)

        async def run_tls() -> list[wire.WireResult]:
            return [await wire.tls_check(host, port, role=role, server_name=opts.get("name"), ca_file=opts.get("ca"),
                                         timeout=timeout, limiter=limiter, dry_run=dry_run)]
        return run_tls
    if req.probe == "port":
        host, port = _hostport(req.target, 5060)
        transport = opts.get("transport", "tcp")
        if transport not in ("tcp", "udp"):
            raise ValueError(f"port probe transport {transport!r}: tcp or udp")

        async def run_port() -> list[wire.WireResult]:
            return [await wire.port_check(host, port, transport, role=role, timeout=timeout, limiter=limiter,
                                          dry_run=dry_run)]
        return run_port
    if req.probe == "numbers":
        from advisor.probes.numbers import check_number, compare_countries

        async def run_numbers() -> list[wire.WireResult]:
            first = check_number(req.target, role=role, region=opts.get("region"))
            if "from" not in opts:
                return [first]
            caller = check_number(opts["from"], role="caller", region=opts.get("region"))
            return [first, caller, compare_countries(first, caller)]
        return run_numbers
    if req.probe == "address":
        from advisor.probes.address import PublishedNetwork, check_address

        nets = tuple(n for n in networks if isinstance(n, PublishedNetwork))

        async def run_address() -> list[wire.WireResult]:
            return [check_address(req.target, nets, role=role)]
        return run_address
    raise ValueError(f"unknown probe {req.probe!r}")
