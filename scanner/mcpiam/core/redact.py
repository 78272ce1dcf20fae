"""The one gate every string taken from the input passes on its way to any output (token-shaped
words withheld, undecodable bytes and controls escaped), and every "could this be a credential" check.
"""

from __future__ import annotations

from mcpiam.core.lazy_pattern import lazy_compile

REDACTED = "***"

# Prefixes of well-known token families; a word starting with one is never shown.
SECRET_PREFIXES = (
    "ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_", "glpat-", "sk-", "sk_live_", "sk_test_",
    "rk_live_", "rk_test_", "pk_live_", "whsec_", "xoxa-", "xoxb-", "xoxp-", "xoxr-", "xoxe-", "xapp-",
    "AKIA", "ASIA", "AIza", "npm_", "pypi-", "hf_", "eyJ", "shpat_", "shpss_", "glsa_", "dop_v1_",
    "lin_api_", "ntn_", "sq0atp-", "figd_",
)
# Words a secret could be: letters, digits, "_" and "-" (a JWT's dot-separated parts are words).
_WORD = lazy_compile(r"[A-Za-z0-9_-]+")
_SEGMENT_SPLIT = lazy_compile(r"[/\\@:]")
_HEX = lazy_compile(r"[0-9a-fA-F]+")
_NOT_ALNUM = lazy_compile(r"[^A-Za-z0-9]")
# C0/C1 controls and DEL could move the cursor or recolour a terminal; bidirectional overrides
# could make a path read differently from what it is (Trojan Source).
_TERMINAL_UNSAFE = lazy_compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_SURROGATE = lazy_compile("[\ud800-\udfff]")
_SAFE_NAME = lazy_compile(r"[A-Za-z0-9@._/+~-]+")
_NAME_SEGMENTS = lazy_compile(r"[/@:.]")
# Every string of every report passes ``shown``; most words are short and start with no prefix,
# so these let it skip them without a call per word (the prefix loop dominated a large report).
_PREFIX_HEADS = frozenset(prefix[:2] for prefix in SECRET_PREFIXES)
_SHORTEST_TOKEN = min(len(prefix) for prefix in SECRET_PREFIXES) + 8  # a prefix and eight more
_LONG_WORD = lazy_compile(rf"[A-Za-z0-9_-]{{{_SHORTEST_TOKEN},}}")


def looks_secret(text: str) -> bool:
    """Whether a single token could be a credential: a known prefix, or long and random-looking.

    A backstop, not a detector: the inventory shows a command's parts and URL pieces only when they
    pass it. Upper-snake names (``GITHUB_TOKEN``) and lower-case package names pass; mixed-case
    strings with digits, long hex strings (UUIDs included) and long mixed-case strings do not.
    """
    for segment in _SEGMENT_SPLIT.split(text):
        if len(segment) >= 12 and segment.startswith(SECRET_PREFIXES):
            return True
        core = _NOT_ALNUM.sub("", segment)
        has_digit = any(c.isdigit() for c in core)
        has_lower = any(c.islower() for c in core)
        has_upper = any(c.isupper() for c in core)
        if len(segment) >= 12 and has_digit and has_lower and has_upper:
            return True
        if len(core) >= 20 and _HEX.fullmatch(core) and has_digit and (has_lower or has_upper):
            return True
        if len(core) >= 32 and has_lower and has_upper:
            return True
    return False


def is_safe_to_show(text: str) -> bool:
    """Whether a package name or host is plain enough to print: package characters only, and no
    segment that looks like a token (20 or more characters mixing letters and digits)."""
    if not _SAFE_NAME.fullmatch(text):
        return False
    for segment in _NAME_SEGMENTS.split(text):
        if len(segment) >= 20 and any(c.isalpha() for c in segment) and any(c.isdigit() for c in segment):
            return False
    return True


def token_shaped(word: str) -> bool:
    """Whether one word of free text could be a credential: a token family's prefix followed by
    eight or more characters with a digit among them, or 20 or more characters mixing upper case,
    lower case and digits.

    Stricter than ``looks_secret`` because it runs over every path, name and message (a folder
    called ``Projects2024`` or a lower-case hex fingerprint stays readable)."""
    if word[:2] in _PREFIX_HEADS:
        for prefix in SECRET_PREFIXES:
            rest = word[len(prefix):]
            if word.startswith(prefix) and len(rest) >= 8 and any(c.isdigit() for c in rest):
                return True
    return (len(word) >= 20 and any(c.isdigit() for c in word) and any(c.islower() for c in word)
            and any(c.isupper() for c in word))


# The escapes are stable and documented (docs/output.md): a file-name byte that is not UTF-8 (a lone
# surrogate from os.fsdecode) as \xff, any other lone surrogate as \ud800, a control character as
# \x1b, a bidirectional override as \u202e.
def _escape(char: str) -> str:
    code = ord(char)
    if 0xDC80 <= code <= 0xDCFF:
        return f"\\x{code - 0xDC00:02x}"  # a byte os.fsdecode could not decode, as that byte
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def shown(text: str) -> str:
    """``text`` as any output may carry it: token-shaped words replaced by ``***`` and lone
    surrogates (undecodable bytes of a file name) escaped, so the result is always valid UTF-8."""
    if _SURROGATE.search(text):
        text = _SURROGATE.sub(lambda m: _escape(m.group()), text)
    if not _LONG_WORD.search(text):  # no word long enough to be token-shaped
        return text
    # Only the words long enough to be token-shaped are judged (a report's messages hold many
    # short words, and a call per word was most of the text report's time).
    return _LONG_WORD.sub(lambda m: REDACTED if token_shaped(m.group()) else m.group(), text)


def shown_on_terminal(text: str) -> str:
    """``shown`` plus control and bidi-override characters escaped (``\\x1b``, ``\\u202e``)."""
    text = shown(text)
    if not _TERMINAL_UNSAFE.search(text):  # the usual case: a search costs less than a sub
        return text
    return _TERMINAL_UNSAFE.sub(lambda m: _escape(m.group()), text)


_PIECE = lazy_compile(r"[A-Za-z0-9_-]+|[\s\S]")


def shown_pieces(text: str) -> list[tuple[str, str]]:
    """``text`` cut into words and single other characters, each with how ``shown_on_terminal``
    shows it (a token-shaped word as ``***``, a control character as its escape), for a caller
    that must know where each input character lands in the output (the text report's caret)."""
    pieces = []
    for match in _PIECE.finditer(text):
        raw = match.group()
        if len(raw) > 1 or _WORD.fullmatch(raw):
            pieces.append((raw, REDACTED if token_shaped(raw) else raw))
        else:
            pieces.append((raw, shown_on_terminal(raw)))
    return pieces


def shown_data(data: object, own_text_keys: frozenset[str] = frozenset()) -> object:
    """Plain JSON-able data with every string, keys included, passed through ``shown``; values under
    ``own_text_keys`` are mcpiam's own text (a SARIF log's ``tool`` with the rule docs, whose
    examples are deliberately token-shaped) and pass unchanged."""
    return _shown_data(data, own_text_keys, {})


def _shown_data(data: object, own_text_keys: frozenset[str], seen: dict[str, str]) -> object:
    # ``seen``: each distinct string is judged once per report (paths, clients and rule ids repeat
    # on every finding of a large scan). A dict's plain strings are looked up in place, without a
    # call each: over a 3,000-host fleet report 0.120 -> 0.093 s of CPU.
    if isinstance(data, str):
        text = seen.get(data)
        if text is None:
            text = seen[data] = shown(data)
        return text
    if isinstance(data, dict):
        gated: dict[object, object] = {}
        for key, value in data.items():
            if type(key) is str:
                shown_key = seen.get(key)
                if shown_key is None:
                    shown_key = seen[key] = shown(key)
            else:
                shown_key = _shown_data(key, own_text_keys, seen) if isinstance(key, str) else key
            if key in own_text_keys:
                gated[shown_key] = value
            elif type(value) is str:
                text = seen.get(value)
                if text is None:
                    text = seen[value] = shown(value)
                gated[shown_key] = text
            else:
                gated[shown_key] = _shown_data(value, own_text_keys, seen)
        return gated
    if isinstance(data, (list, tuple)):
        return [_shown_data(item, own_text_keys, seen) for item in data]
    return data


# A SARIF log's ``tool`` holds mcpiam's rule descriptors, not input.
SARIF_OWN_TEXT = frozenset({"tool"})
