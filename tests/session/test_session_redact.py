"""Redaction: credentials always masked, phone numbers on request, nothing else mangled."""

from __future__ import annotations

import pytest

from advisor.session.redact import MASK, redact_data, redact_numbers, redact_secrets, redact_text

SECRET_CASES = [
    ('Proxy-Authorization: Digest username="acme", realm="x", nonce="abc123", response="6629fae49393a0539745", '
     'cnonce="0a4f113b", qop=auth', ["6629fae49393a0539745", "0a4f113b", "abc123"], ['username="acme"', "qop=auth"]),
    ('WWW-Authenticate: Digest realm="sip.example.com", nonce="Zk3sd9", opaque=ffee00, algorithm=MD5',
     ["Zk3sd9", "ffee00"], ['realm="sip.example.com"', "algorithm=MD5"]),
    ("Authorization: Basic dXNlcjpwYXNzd29yZA==", ["dXNlcjpwYXNzd29yZA"], ["Authorization: Basic"]),
    ("Authorization: Bearer abcdef.ghijkl.mnopqr", ["abcdef.ghijkl.mnopqr"], ["Bearer"]),
    ("password=hunter2 pwd: letmein secret=s3cr3t token=t0k3n-value", ["hunter2", "letmein", "s3cr3t", "t0k3n"], []),
    ('{"password": "hunter2", "api_key": "k-123456", "authToken": "x"}', ["hunter2", "k-123456"], ['"password"']),
    ("the password is Tr0ub4dor&3 ok", ["Tr0ub4dor", "&3"], ["the password is", " ok"]),
    ("auth token: 0123456789abcdef0123456789abcdef", ["0123456789abcdef0123456789abcdef"], []),
    ("AC0123456789abcdef0123456789abcdef and SK89abcdef0123456789abcdef01234567",
     ["0123456789abcdef0123456789abcdef", "89abcdef0123456789abcdef01234567"], ["AC", "SK"]),
    ("curl -u AC0123456789abcdef0123456789abcdef:f00dbabe0123456789abcdef01234567 https://api",
     ["f00dbabe0123456789abcdef01234567"], ["https://api"]),
    ("sip:alice:wonderland@pbx.example.com and https://u:p4ss@api.example.com/x",
     ["wonderland", "p4ss"], ["sip:alice:", "@pbx.example.com", "https://u:"]),
    ("password=&quot;hunter2&quot; in HTML", ["hunter2"], ["&quot;"]),
    ('JSON text: \\"password\\": \\"hunter2\\"', ["hunter2"], []),
    ("jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhY21lIn0.c2lnbmF0dXJlLXZhbHVl", ["eyJhbGciOiJIUzI1NiJ9"], []),
]


@pytest.mark.parametrize(("text", "gone", "kept"), SECRET_CASES)
def test_secrets_masked(text: str, gone: list[str], kept: list[str]) -> None:
    out = redact_secrets(text)
    for g in gone:
        assert g not in out, out
    for k in kept:
        assert k in out, out
    assert MASK in out
    assert redact_secrets(out) == out  # idempotent


@pytest.mark.parametrize("text", [
    "rejected_invite_had_credentials = no as required",
    "response_reason = plain as required; invite_final_status = 403",
    "Call SID CA0123456789abcdef0123456789abcdef is kept for support",
    "Basic troubleshooting steps apply",
    "term.403.credentials_mismatch: Digest username/password do not match",
    "Via: SIP/2.0/UDP 203.0.113.10:5060;branch=z9hG4bK776asdhds;rport",
])
def test_harmless_text_untouched(text: str) -> None:
    assert redact_secrets(text) == text


@pytest.mark.parametrize(("text", "masked", "keeps"), [
    ("+14155550100", "+xxxxxxx0100", None),
    ("call +1 (415) 555-0100 now", "+x (xxx) xxx-0100", None),
    ("415-555-0100", "xxx-xxx-0100", None),
    ("(415) 555-0100", "(xxx) xxx-0100", None),
    ("4155550100", "xxxxxx0100", None),
    ("14155550100", "xxxxxxx0100", None),
    ("+44 20 7946 0958", "+xx xx xxxx 0958", None),
    ("020 7946 0958", "xxx xxxx 0958", None),
    ("07700 900123", "xxxxx xx0123", None),
    ("<sip:+14155550100@example.com>", "<sip:+xxxxxxx0100@example.com>", None),
    ("<sip:4155550101@10.0.0.1:5060>", "<sip:xxxxxx0101@10.0.0.1:5060>", "10.0.0.1:5060"),
    ("tel:+1-415-555-0100", "tel:+x-xxx-xxx-0100", None),
])
def test_numbers_masked_keeping_last_digits(text: str, masked: str, keeps: str | None) -> None:
    out = redact_numbers(text)
    assert masked in out, out
    if keeps:
        assert keeps in out
    assert redact_numbers(out) == out


@pytest.mark.parametrize("text", [
    "192.168.1.10:5060 203.0.113.45 10.0.0.1",
    "2026-01-05 09:12:33.123 and 2024/03/24 11:21:20.527722",
    "epoch 1735689600",
    "term.403.acl_mismatch orig.422.session_expires_too_large",
    "session 20260105-091233-ab12cd",
    "CSeq: 102 INVITE, Content-Length: 265, confidence 0.8512, 95%",
    "o=3cxPS 742038818 742038819 IN IP4 71.230.155.6",
    "branch=z9hG4bK-524287-1---10a93a3b7101594c",
    "ports 10000-20000, rtp 16384",
    "SIP/2.0 503 Service Unavailable",
])
def test_numbers_mode_leaves_addresses_times_ids(text: str) -> None:
    assert redact_numbers(text) == text


def test_redact_data_masks_secret_keys_and_walks_everything() -> None:
    data = {"details": {"password": "hunter2", "sip_password": 123, "rtt_ms": 82, "ok": True, "token": None},
            "notes": ["password=abc", {"nested": "call +14155550100"}], "n": 3.5}
    out = redact_data(data, numbers=True)
    assert out["details"]["password"] == MASK and out["details"]["sip_password"] == MASK
    assert out["details"]["rtt_ms"] == 82 and out["details"]["ok"] is True and out["details"]["token"] is None
    assert out["notes"][0] == f"password={MASK}"
    assert out["notes"][1]["nested"] == "call +xxxxxxx0100"
    assert out["n"] == 3.5
    assert redact_text("call +14155550100") == "call +14155550100"  # numbers only on request
