"""The output gate (``mcpiam.core.redact``): token-shaped words withheld, ordinary text unchanged."""

from __future__ import annotations

import pytest

from mcpiam.core.redact import shown, shown_data, shown_on_terminal, shown_pieces
from mcpiam.secrets.families import expand_example

TOKENS = ["ghp_{github_crc:30}", "sk_live_{alnum:24}", "xoxb-{digits:12}-{digits:12}-{alnum:24}",
          "glpat-{alnum:20}", "AKIA{upper_alnum:16}", "{alnum:40}"]


@pytest.mark.parametrize("template", TOKENS)
def test_a_token_in_a_name_path_or_route_is_withheld(template) -> None:
    token = expand_example(template)
    if template == "{alnum:40}" and not (any(c.isupper() for c in token) and any(c.islower() for c in token)
                                         and any(c.isdigit() for c in token)):
        pytest.skip("the random draw is not mixed-case with digits")
    for text in (token, f"Server '{token}' has no owner", f"/mcpServers/{token}/env/K", f"dir/{token}/mcp.json"):
        assert token not in shown(text)
        assert "***" in shown(text)
    assert shown_data({token: [token]}) == {"***": ["***"]}


@pytest.mark.parametrize("text", [
    "Server 'github' (package npm:@modelcontextprotocol/server-github) has no owner",
    "/mcpServers/github/env/GITHUB_PERSONAL_ACCESS_TOKEN", "~/Projects2024/MyApp/.cursor/mcp.json",
    "0123456789abcdef0123456789abcdef", "GitHub classic personal access token (ghp_…ab12)",
    "sk-learn-mcp-server", "pattern_matching_server", "C:\\Users\\dev\\AppData\\Roaming\\Code",
])
def test_ordinary_text_is_unchanged(text) -> None:
    assert shown(text) == text


def test_terminal_form_escapes_controls_and_bidi() -> None:
    assert shown_on_terminal("a\x1b[31mb\u202ec") == "a\\x1b[31mb\\u202ec"
    assert shown("a\x1b") == "a\x1b"  # JSON writers escape controls themselves


def _token_shaped_as_specified(word: str) -> bool:
    """``token_shaped``'s documented rule, written plainly: the shortcuts must not change it."""
    from mcpiam.core.redact import SECRET_PREFIXES

    for prefix in SECRET_PREFIXES:
        rest = word[len(prefix):]
        if word.startswith(prefix) and len(rest) >= 8 and any(c.isdigit() for c in rest):
            return True
    return (len(word) >= 20 and any(c.isdigit() for c in word) and any(c.islower() for c in word)
            and any(c.isupper() for c in word))


def test_the_gates_shortcuts_withhold_exactly_what_the_rule_says() -> None:
    import random
    import re

    from mcpiam.core.redact import REDACTED, SECRET_PREFIXES, token_shaped

    rng = random.Random(7)
    alphabet = "aZ9_-x0Q"
    for _ in range(20000):
        head = rng.choice(SECRET_PREFIXES + ("", "", "g", "sk", "ey"))
        word = head + "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 24)))
        assert token_shaped(word) == _token_shaped_as_specified(word), word
        text = f"path/{word}.json and {word[:5]}"
        expected = re.sub(r"[A-Za-z0-9_-]+",
                          lambda m: REDACTED if _token_shaped_as_specified(m.group()) else m.group(), text)
        assert shown(text) == expected, text


def test_each_distinct_string_of_a_report_is_judged_once(monkeypatch: pytest.MonkeyPatch) -> None:
    from mcpiam.core import redact

    judged: list[str] = []
    real = redact.shown
    monkeypatch.setattr(redact, "shown", lambda text: judged.append(text) or real(text))
    path = "apps/app-1/.cursor/mcp.json"
    data = {"findings": [{"path": path, "rule": "missing-owner"} for _ in range(50)]}
    assert redact.shown_data(data) == data
    assert sorted(judged) == sorted(["findings", "path", "rule", path, "missing-owner"])


@pytest.mark.parametrize("template", TOKENS)
def test_pieces_show_a_line_as_the_terminal_gate_does(template) -> None:
    token = expand_example(template)
    line = f'\t"KEY": "{token}", "x\x1b[2J": "ok-value", "tail": "Bearer {token}"\u202e'
    pieces = shown_pieces(line)
    assert "".join(raw for raw, _ in pieces) == line
    assert "".join(out for _, out in pieces) == shown_on_terminal(line)
