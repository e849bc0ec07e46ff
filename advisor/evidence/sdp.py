"""SDP (RFC 4566/8866) as far as the findings need it.

Session and media level are kept apart: a media-level `c=` overrides the
session-level one, direction attributes (`a=sendrecv|sendonly|recvonly|inactive`)
are inherited from the session when a media section has none, and `a=rtpmap`
maps payload types to encodings (static types 0 PCMU, 8 PCMA, ... are known
without one).
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["MediaDescription", "Origin", "SessionDescription", "find_sdp", "parse_sdp"]

DIRECTIONS = ("sendrecv", "sendonly", "recvonly", "inactive")

# RFC 3551 static payload types (audio), as encoding names.
STATIC_PT: dict[str, str] = {
    "0": "PCMU", "3": "GSM", "4": "G723", "5": "DVI4", "6": "DVI4", "7": "LPC", "8": "PCMA",
    "9": "G722", "10": "L16", "11": "L16", "12": "QCELP", "13": "CN", "14": "MPA", "15": "G728",
    "16": "DVI4", "17": "DVI4", "18": "G729",
}

MAX_SDP_LINES = 2000


@dataclass(slots=True)
class Origin:
    username: str
    session_id: str
    version: str
    nettype: str
    addrtype: str
    address: str


@dataclass(slots=True)
class MediaDescription:
    media: str  # audio | video | ...
    port: int
    proto: str
    formats: list[str]
    connection: str | None = None  # media-level c= address, None when inherited
    rtpmap: dict[str, str] = field(default_factory=dict)  # pt -> "PCMU/8000"
    direction: str | None = None  # media-level attribute, None when inherited
    attributes: list[str] = field(default_factory=list)
    rtcp_port: int | None = None


@dataclass(slots=True)
class SessionDescription:
    version: str | None = None
    origin: Origin | None = None
    session_name: str | None = None
    connection: str | None = None  # session-level c= address
    direction: str | None = None  # session-level direction attribute
    media: list[MediaDescription] = field(default_factory=list)
    attributes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def audio(self) -> MediaDescription | None:
        """The first audio stream with a non-zero port (else the first audio stream)."""
        audio = [m for m in self.media if m.media == "audio"]
        for m in audio:
            if m.port:
                return m
        return audio[0] if audio else None

    def address_of(self, media: MediaDescription | None) -> str | None:
        """The connection address that applies to a media section (media level wins)."""
        if media is not None and media.connection:
            return media.connection
        return self.connection

    def audio_address(self) -> str | None:
        return self.address_of(self.audio())

    def direction_of(self, media: MediaDescription | None) -> str:
        if media is not None and media.direction:
            return media.direction
        return self.direction or "sendrecv"

    def encodings(self, media: MediaDescription) -> list[str]:
        """Encoding names of the formats, in offer order (rtpmap first, static table second)."""
        out = []
        for pt in media.formats:
            enc = media.rtpmap.get(pt) or STATIC_PT.get(pt) or pt
            out.append(enc.split("/", 1)[0].upper())
        return out

    def offers_pcmu(self) -> bool:
        """Payload type 0, or any payload type mapped to PCMU, among the active audio formats."""
        for m in self.media:
            if m.media != "audio" or m.port == 0:
                continue
            if "0" in m.formats or "PCMU" in self.encodings(m):
                return True
        return False


def parse_sdp(text: str) -> SessionDescription:
    """Parse SDP text; unknown or malformed lines become warnings, never errors."""
    sd = SessionDescription()
    current: MediaDescription | None = None
    count = 0
    for raw in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        count += 1
        if count > MAX_SDP_LINES:
            sd.warnings.append(f"SDP longer than {MAX_SDP_LINES} lines; the rest ignored")
            break
        line = raw.strip()
        if not line:
            continue
        if len(line) < 2 or line[1] != "=":
            sd.warnings.append(f"not an SDP line: {line[:40]!r}")
            continue
        kind, value = line[0], line[2:].strip()
        if kind == "v":
            sd.version = value
        elif kind == "o":
            parts = value.split()
            if len(parts) >= 6:
                sd.origin = Origin(*parts[:6])
            else:
                sd.warnings.append(f"short o= line: {value[:40]!r}")
        elif kind == "s":
            sd.session_name = value
        elif kind == "c":
            parts = value.split()
            if len(parts) >= 3:
                addr = parts[2].split("/", 1)[0]  # multicast TTL/count suffix
                if current is None:
                    sd.connection = addr
                else:
                    current.connection = addr
            else:
                sd.warnings.append(f"short c= line: {value[:40]!r}")
        elif kind == "m":
            parts = value.split()
            if len(parts) < 3:
                sd.warnings.append(f"short m= line: {value[:40]!r}")
                current = None
                continue
            port_text = parts[1].split("/", 1)[0]
            port = int(port_text) if port_text.isdigit() and len(port_text) <= 5 else 0
            current = MediaDescription(media=parts[0].lower(), port=port, proto=parts[2], formats=parts[3:])
            sd.media.append(current)
        elif kind == "a":
            name, _, rest = value.partition(":")
            name = name.strip().lower()
            target_attrs = current.attributes if current is not None else sd.attributes
            target_attrs.append(value)
            if name in DIRECTIONS:
                if current is None:
                    sd.direction = name
                else:
                    current.direction = name
            elif name == "rtpmap" and current is not None:
                pt, _, enc = rest.strip().partition(" ")
                if pt and enc:
                    current.rtpmap[pt.strip()] = enc.strip()
            elif name == "rtcp" and current is not None:
                port_text = rest.strip().split(" ", 1)[0]
                if port_text.isdigit() and len(port_text) <= 5:
                    current.rtcp_port = int(port_text)
    return sd


def audio_connection(text: str) -> tuple[str | None, int]:
    """(audio_address(), audio().port or 0 without an audio stream) of parse_sdp(text), read from
    its c= and m= lines alone, line by line as parse_sdp reads them (what side detection and RTP
    matching need of every message's SDP)."""
    session: str | None = None
    media: list[list[object]] = []  # [kind, port, connection] per m= line
    current: list[object] | None = None
    count = 0
    for raw in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        count += 1
        if count > MAX_SDP_LINES:
            break
        line = raw.strip()
        if len(line) < 2 or line[1] != "=":
            continue
        kind = line[0]
        if kind == "c":
            parts = line[2:].split()
            if len(parts) >= 3:
                addr = parts[2].split("/", 1)[0]
                if current is None:
                    session = addr
                else:
                    current[2] = addr
        elif kind == "m":
            parts = line[2:].split()
            if len(parts) < 3:
                current = None
                continue
            port_text = parts[1].split("/", 1)[0]
            port = int(port_text) if port_text.isdigit() and len(port_text) <= 5 else 0
            current = [parts[0].lower(), port, None]
            media.append(current)
    audio = [m for m in media if m[0] == "audio"]
    found = next((m for m in audio if m[1]), audio[0] if audio else None)
    if found is None:
        return session, 0
    return (found[2] or session), found[1]  # type: ignore[return-value]


def find_sdp(content_type: str | None, full_content_type: str | None, body: bytes) -> SessionDescription | None:
    """SDP from a body: application/sdp directly, or the application/sdp part of a multipart body."""
    if not body.strip():
        return None
    text = body.decode("utf-8", "replace")
    if content_type == "application/sdp" or (content_type is None and text.lstrip().startswith("v=")):
        return parse_sdp(text)
    if content_type and content_type.startswith("multipart/") and full_content_type:
        boundary = None
        for param in full_content_type.split(";")[1:]:
            name, _, val = param.partition("=")
            if name.strip().lower() == "boundary":
                boundary = val.strip().strip('"')
        if not boundary:
            return None
        for part in text.split("--" + boundary)[1:]:
            head, sep, content = part.replace("\r\n", "\n").partition("\n\n")
            if sep and "application/sdp" in head.lower():
                return parse_sdp(content)
    return None
