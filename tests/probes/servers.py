"""Real servers on loopback for the probe tests: Kamailio (SIP over UDP/TCP/TLS) and Unbound (DNS).

Each test session (each xdist worker) starts its own servers on free
127.0.0.1 ports and stops them at the end. Both are Debian packages that
`.ci/run` installs; when one is missing the tests that need it fail with
the package to install (a skipped probe test would hide a broken CI).
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / "data"
KAMAILIO_MODULES = (*sorted(str(p) for p in Path("/usr/lib").glob("*/kamailio/modules")), "/usr/lib/kamailio/modules",
                    "/usr/lib64/kamailio/modules", "/usr/local/lib64/kamailio/modules")


def free_port() -> int:
    """A port free for both TCP and UDP on 127.0.0.1."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as t:
            t.bind(("127.0.0.1", 0))
            port = int(t.getsockname()[1])
            try:
                with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
                    u.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free loopback port")


def need(binary: str, package: str) -> str:
    path = shutil.which(binary) or next((p for p in (f"/usr/sbin/{binary}",) if Path(p).exists()), None)
    if path is None:
        raise RuntimeError(f"{binary} is not installed: apt-get install {package} (.ci/run does)")
    return path


@dataclass
class Kamailio:
    udp: int
    tcp: int
    tls: int
    cert: Path
    proc: subprocess.Popen[bytes]

    def uri(self, user: str = "ok", transport: str = "udp") -> str:
        if transport == "tls":
            return f"sips:{user}@127.0.0.1:{self.tls}"
        suffix = ";transport=tcp" if transport == "tcp" else ""
        return f"sip:{user}@127.0.0.1:{self.udp}{suffix}"


def _wait_tcp(port: int, proc: subprocess.Popen[bytes], what: str, log: Path) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited: {log.read_text(errors='replace')[-2000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"{what} did not start listening on {port}")


def make_cert(directory: Path, name: str = "sip.probe.test") -> tuple[Path, Path]:
    """A self-signed test certificate for `name` and 127.0.0.1, valid two days (openssl)."""
    key, cert = directory / "key.pem", directory / "cert.pem"
    subprocess.run([need("openssl", "openssl"), "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key),
                    "-out", str(cert), "-days", "2", "-subj", f"/CN={name}",
                    "-addext", f"subjectAltName=DNS:{name},IP:127.0.0.1"],
                   check=True, capture_output=True)
    return key, cert


def start_kamailio(directory: Path) -> Kamailio:
    binary = need("kamailio", "kamailio kamailio-tls-modules")
    modules = next((m for m in KAMAILIO_MODULES if Path(m, "tls.so").exists()), None)
    if modules is None:
        raise RuntimeError("kamailio's tls module is missing: apt-get install kamailio-tls-modules")
    key, cert = make_cert(directory)
    udp, tls = free_port(), free_port()
    tls_cfg = directory / "tls.cfg"
    tls_cfg.write_text((DATA / "kamailio" / "tls.cfg.in").read_text().replace("@KEY@", str(key))
                       .replace("@CERT@", str(cert)))
    cfg = directory / "kamailio.cfg"
    cfg.write_text((DATA / "kamailio" / "kamailio.cfg.in").read_text().replace("@UDP_PORT@", str(udp))
                   .replace("@TCP_PORT@", str(udp)).replace("@TLS_PORT@", str(tls))
                   .replace("@MODULES@", modules).replace("@TLS_CFG@", str(tls_cfg)))
    log = directory / "kamailio.log"
    run = directory / "run"
    run.mkdir()
    proc = subprocess.Popen([binary, "-f", str(cfg), "-DD", "-E", "-m", "32", "-M", "8", "-Y", str(run)],
                            stdout=log.open("wb"), stderr=subprocess.STDOUT)
    _wait_tcp(udp, proc, "kamailio", log)
    _wait_tcp(tls, proc, "kamailio", log)
    return Kamailio(udp, udp, tls, cert, proc)


@dataclass
class Unbound:
    port: int
    proc: subprocess.Popen[bytes]

    @property
    def server(self) -> str:
        return f"127.0.0.1:{self.port}"


def start_unbound(directory: Path) -> Unbound:
    binary = need("unbound", "unbound")
    port = free_port()
    cfg = directory / "unbound.conf"
    cfg.write_text((DATA / "dns" / "unbound.conf.in").read_text().replace("@PORT@", str(port))
                   .replace("@DIR@", str(directory)).replace("@DEAD_PORT@", str(free_port())))
    log = directory / "unbound.log"
    proc = subprocess.Popen([binary, "-d", "-c", str(cfg)], stdout=log.open("wb"), stderr=subprocess.STDOUT)
    _wait_udp_dns(port, proc, log)
    return Unbound(port, proc)


def _wait_udp_dns(port: int, proc: subprocess.Popen[bytes], log: Path) -> None:
    import dns.message
    import dns.query

    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"unbound exited: {log.read_text(errors='replace')[-2000:]}")
        try:
            dns.query.udp(dns.message.make_query("edge1.probe.test", "A"), "127.0.0.1", port=port, timeout=0.2)
            return
        except Exception:
            time.sleep(0.05)
    raise RuntimeError("unbound did not answer")


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)
