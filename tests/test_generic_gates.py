"""The cheap gates in ``scanner/mcpiam/secrets/generic.py`` that spare a scan the detect-secrets import
are necessary conditions only: pinned against detect-secrets' own patterns and alphabets, and
shown never to change a verdict."""

from __future__ import annotations

import re
import string
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from mcpiam.secrets import generic
from mcpiam.secrets.families import expand_example


def test_every_keyword_pattern_needs_a_gate_word() -> None:
    from detect_secrets.plugins import keyword

    for pattern in keyword.DENYLIST:
        for variant in (pattern.replace("_?", ""), pattern.replace("_?", "_")):
            assert generic._keyword_may_match(variant), variant
    regexes = [value for name, value in vars(keyword).items()
               if name.endswith("_REGEX") and isinstance(value, re.Pattern)]
    assert len(regexes) >= 8
    for regex in regexes:  # each detector pattern is built around the denylist
        assert keyword.DENYLIST_REGEX in regex.pattern


def test_the_alphabets_are_the_plugins() -> None:
    keyword_plugin, base64_plugin, hex_plugin = generic._plugins()
    assert generic.BASE64_ALPHABET == frozenset(base64_plugin.charset)
    assert generic.HEX_ALPHABET == frozenset(hex_plugin.charset)
    assert (base64_plugin.entropy_limit, hex_plugin.entropy_limit) == (generic.BASE64_LIMIT,
                                                                       generic.HEX_LIMIT)


def test_entropy_gate_counts_distinct_characters_of_one_run() -> None:
    assert generic._entropy_may_exceed(string.ascii_letters[:23], generic.BASE64_ALPHABET, 4.5)
    assert not generic._entropy_may_exceed(string.ascii_letters[:22] * 5, generic.BASE64_ALPHABET, 4.5)
    split = string.ascii_letters[:12] + " " + string.ascii_letters[12:24]
    assert not generic._entropy_may_exceed(split, generic.BASE64_ALPHABET, 4.5)
    assert generic._entropy_may_exceed("0123456789", generic.HEX_ALPHABET, 3.0)
    assert not generic._entropy_may_exceed("01234567" * 4, generic.HEX_ALPHABET, 3.0)


KEYS = st.sampled_from(["API_KEY", "token", "DB_PASSWORD", "SESSION", "x-api-key", "name", "args",
                        "clientSecret", "", "STRIPE_KEY", "pwd", "url", "contraseña", "value"])
ALPHABET = string.ascii_letters + string.digits + "+/=-_.:@'\\ !ñſK"
VALUES = st.one_of(
    st.text(alphabet=ALPHABET, max_size=60),
    st.sampled_from([expand_example("{alnum:40}"), expand_example("{hex:32}"), expand_example("{b64:44}"),
                     "password='" + expand_example("{alnum:30}") + "'", "secret: hunter2hunter2",
                     expand_example("{digits:20}"), "@modelcontextprotocol/server-github@1.2.3"]),
)


@settings(max_examples=400, deadline=None)
@given(key=KEYS, value=VALUES, entropy_allowed=st.booleans())
def test_gates_never_change_a_verdict(key: str, value: str, entropy_allowed: bool) -> None:
    gated = generic.classify(key, value, entropy_allowed)
    keyword_gate, entropy_gate = generic._keyword_may_match, generic._entropy_may_exceed
    try:
        generic._keyword_may_match = lambda line: True  # type: ignore[assignment]
        generic._entropy_may_exceed = lambda value, alphabet, limit: True  # type: ignore[assignment]
        ungated = generic.classify(key, value, entropy_allowed)
    finally:
        generic._keyword_may_match, generic._entropy_may_exceed = keyword_gate, entropy_gate
    assert gated == ungated
