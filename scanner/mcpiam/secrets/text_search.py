"""Token families searched in a config's raw text, for a file that did not parse or was refused as binary.

A parser that stops at a syntax error (or a file skipped for a NUL byte) must not hide a secret that
is still committed: the families' own patterns and validators run over the text, each match is
placed at its exact line and column, and the route it would have in a good file is recovered so its
fingerprint (and so a baseline entry) stays the same.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Sequence

from mcpiam.core.document import Mapping, Node, Route, Scalar, Span, walk
from mcpiam.core.lazy_pattern import lazy_compile
from mcpiam.model.servers import ConfigFile, ServerIndex, Value
from mcpiam.secrets.detect import Credential, family_credential
from mcpiam.secrets.families import TokenFamily, TokenMatch, family_candidates, resolve_overlaps
from mcpiam.secrets.locate import SecretCandidate
from mcpiam.secrets.references import is_placeholder

PLACE = "unparsed"  # the candidate place of a secret found by this search (the rule's message says so)
# How far back on its line a value's key (and a TOML value's inline tables) are looked for: keys
# are short, and a bounded window keeps a file of one long line linear.
_KEY_WINDOW = 512
_NEAREST_SCALARS = 64  # recovered scalars looked at, back from a token, for the one holding it

# The key written just before a value on its line, per format (the value's opening quote allowed).
_KEY_BEFORE = {
    "json": re.compile(r'"((?:[^"\\\n]|\\.)*)"\s*:\s*"?$', re.M),
    "yaml": re.compile(r'(?:^|[\s{,])("[^"\n]*"|\'[^\'\n]*\'|[^\s{},\[\]"\'#][^\n:{},\[\]#]*?)\s*:\s+["\']?$', re.M),
    "toml": re.compile(r'(?:^|[\s{,.])([A-Za-z0-9_-]+|"[^"\n]*"|\'[^\'\n]*\')\s*=\s*["\']?$', re.M),
    "dotenv": re.compile(r'^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*["\']?$', re.M),
}


def searchable_families(families: Sequence[TokenFamily]) -> list[TokenFamily]:
    """The families whose pattern stands on its own in free text: not those that need a key name
    as context, nor those anchored to a whole value (a connection string's ``\\A``)."""
    return [family for family in families
            if not family.context_keywords and not family.regex.startswith(("\\A", "^"))]


class _Lines:
    """Offsets in a text to 1-based lines and code-point columns."""

    def __init__(self, text: str) -> None:
        self.starts = [0] + [match.end() for match in re.finditer("\n", text)]

    def position(self, offset: int) -> tuple[int, int]:
        index = bisect.bisect_right(self.starts, offset) - 1
        return index + 1, offset - self.starts[index] + 1

    def span(self, start: int, end: int) -> Span:
        return Span(*self.position(start), *self.position(end))


class _Taken:
    """The spans already reported in a file, by line, so each new match is checked against its
    own lines only."""

    def __init__(self, spans: Iterable[Span]) -> None:
        self.by_line: dict[int, list[Span]] = {}
        for span in spans:
            self.add(span)

    def add(self, span: Span) -> None:
        for line in range(span.start_line, span.end_line + 1):
            self.by_line.setdefault(line, []).append(span)

    def overlaps(self, span: Span) -> bool:
        return any(_overlaps(span, other) for line in range(span.start_line, span.end_line + 1)
                   for other in self.by_line.get(line, ()))


def _overlaps(a: Span, b: Span) -> bool:
    return (a.start_line, a.start_column) < (b.end_line, b.end_column) and (
        (b.start_line, b.start_column) < (a.end_line, a.end_column))


def _inside(inner: Span, outer: Span) -> bool:
    return ((outer.start_line, outer.start_column) <= (inner.start_line, inner.start_column)
            and (inner.end_line, inner.end_column) <= (outer.end_line, outer.end_column))


def _unquote(key: str) -> str:
    if len(key) >= 2 and key[0] == key[-1] and key[0] in "\"'":
        return key[1:-1]
    return key.strip()


def _window_start(text: str, offset: int) -> int:
    """Where to look back from for what is written before ``offset`` on its line: the line's
    start, or _KEY_WINDOW characters back on a longer line."""
    window = max(0, offset - _KEY_WINDOW)
    return max(window, text.rfind("\n", window, offset) + 1)


def _key_before(text: str, start: int, fmt: str) -> str:
    """The key the value starting at ``start`` is written under, read from its line; "" if none."""
    pattern = _KEY_BEFORE.get(fmt)
    if pattern is None:
        return ""
    found = pattern.search(text, _window_start(text, start), start)
    return _unquote(found.group(1)) if found else ""


class _JsonKeys:
    """The keys and indices open at an offset, read from the text as a tolerant JSON(C) reader
    would: a string ends at its quote or at the end of its line (JSON strings cannot span lines),
    so one unterminated string does not shift every key after it. Offsets are asked in
    increasing order and the reading resumes where it stopped: one pass over the file."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.frames: list[list] = []  # [bracket, key or index]
        self.position = 0
        self.string_end: tuple[int, int] = (-1, -1)  # (start, end) of the string last measured

    def route_at(self, offset: int) -> Route | None:
        text, frames = self.text, self.frames
        while self.position < offset:
            position = self.position
            char = text[position]
            if char == '"':
                end = self._string_end(position)
                if end >= offset:
                    break  # the string holding the secret itself: read on from it next time
                after = end + 1
                while after < len(text) and text[after] in " \t\r\n":
                    after += 1
                if frames and frames[-1][0] == "{" and text.startswith(":", after):
                    frames[-1][1] = text[position + 1:end]
                self.position = end + 1
                continue
            if text.startswith("//", position):
                end = text.find("\n", position)
                self.position = len(text) if end < 0 else end
                continue
            if text.startswith("/*", position):
                end = text.find("*/", position + 2)
                self.position = len(text) if end < 0 else end + 2
                continue
            if char == "{":
                frames.append(["{", None])
            elif char == "[":
                frames.append(["[", 0])
            elif char in "}]" and frames:
                frames.pop()
            elif char == "," and frames:
                frames[-1][1] = frames[-1][1] + 1 if frames[-1][0] == "[" else None
            self.position = position + 1
        route = tuple(step for _, step in frames if step is not None)
        return route or None

    def _string_end(self, start: int) -> int:
        """Where the string opened at ``start`` ends (measured once: several tokens may sit in it)."""
        if self.string_end[0] != start:
            text, end = self.text, start + 1
            while end < len(text) and text[end] not in '"\n':
                end += 2 if text[end] == "\\" else 1
            self.string_end = (start, end)
        return self.string_end[1]


_TOML_TABLE = lazy_compile(r"^[ \t]*(\[\[?)([^\]\n]*)\]", re.M)
_TOML_INLINE_PARENT = lazy_compile(r'([A-Za-z0-9_.-]+|"[^"\n]*"|\'[^\'\n]*\')\s*=\s*\{')
_TOML_KEY_PART = lazy_compile(r'"[^"\n]*"|\'[^\'\n]*\'|[^.\s]+')


def _toml_keys(dotted: str) -> tuple[str, ...]:
    return tuple(_unquote(part) for part in _TOML_KEY_PART.findall(dotted))


class _TomlKeys:
    """The table header above an offset (``[[x]]`` counted as an array), the inline tables open
    on its line and its key: the route a TOML reader gives the value. Offsets are asked in
    increasing order; the headers are read once."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.headers = _TOML_TABLE.finditer(text)
        self.next_header = next(self.headers, None)
        self.table: Route = ()
        self.arrays: dict[Route, int] = {}

    def route_at(self, offset: int, key: str) -> Route | None:
        while self.next_header is not None and self.next_header.start() < offset:
            keys = _toml_keys(self.next_header.group(2).strip())
            if self.next_header.group(1) == "[[":
                self.arrays[keys] = self.arrays.get(keys, -1) + 1
                self.table = keys + (self.arrays[keys],)
            else:
                self.table = keys
            self.next_header = next(self.headers, None)
        route = self.table
        line = self.text[_window_start(self.text, offset):offset]
        for parent in _TOML_INLINE_PARENT.findall(line):
            route += _toml_keys(parent)
        if key:
            route += (key,)
        return route or None


class _TextKeys:
    """The route read from the text around a value, for the formats where that can be done."""

    def __init__(self, fmt: str, text: str) -> None:
        # YAML recovers after its errors; dotenv and front matter have no nesting.
        self.json = _JsonKeys(text) if fmt == "json" else None
        self.toml = _TomlKeys(text) if fmt == "toml" else None

    def route_at(self, offset: int, key: str) -> Route | None:
        if self.json is not None:
            return self.json.route_at(offset)
        if self.toml is not None:
            return self.toml.route_at(offset, key)
        return None


class _Recovered:
    """What the parser recovered, indexed by line once per file (a broken file may hold many
    tokens, and walking its whole tree for each would be quadratic)."""

    def __init__(self, roots: Sequence[Node]) -> None:
        # Per line, the scalars covering it, by where they start on it (0: on an earlier line).
        scalars: dict[int, list[tuple[int, Route, Span]]] = {}
        self.entries: dict[tuple[int, str], list[tuple[Route, Span]]] = {}  # by key line and key
        self.mappings: list[tuple[Route, Span]] = []
        self.around_line: dict[int, Route] = {}  # the innermost mapping met on a line, once per line
        for root in roots:
            for route, node in walk(root):
                if isinstance(node, Scalar):
                    for line in range(node.span.start_line, node.span.end_line + 1):
                        column = node.span.start_column if line == node.span.start_line else 0
                        scalars.setdefault(line, []).append((column, route, node.span))
                elif isinstance(node, Mapping):
                    self.mappings.append((route, node.span))
                    for entry in node.entries:
                        self.entries.setdefault((entry.key_span.start_line, entry.key), []).append(
                            (route + (entry.key,), entry.key_span))
        self.scalars = {line: sorted(items, key=lambda item: item[0]) for line, items in scalars.items()}
        self.columns = {line: [item[0] for item in items] for line, items in self.scalars.items()}

    def _holder(self, span: Span) -> Route | None:
        """The smallest recovered scalar holding the span: among the nearest that start before it
        on its line (a string nests only the values of JSON written inside it)."""
        items = self.scalars.get(span.start_line)
        if not items:
            return None
        last = bisect.bisect_right(self.columns[span.start_line], span.start_column)
        best: tuple[Route, Span] | None = None
        for _, route, where in reversed(items[max(0, last - _NEAREST_SCALARS):last]):
            if _inside(span, where) and (best is None or _inside(where, best[1])):
                best = (route, where)
        return best[0] if best is not None else None

    def route_of(self, span: Span, key: str, lexical: Route | None) -> Route:
        """The route the secret would have in a good file: the recovered string holding it, else
        the keys read from the text around it (JSON, TOML), else the recovered entry of its key
        on its line, else the innermost recovered mapping around it plus the key."""
        holder = self._holder(span)
        if holder is not None:
            return holder
        if lexical is not None:
            return lexical
        for route, key_span in self.entries.get((span.start_line, key), ()) if key else ():
            if key_span.end_column <= span.start_column:
                return route
        base = self.around_line.get(span.start_line)
        if base is None:
            around: tuple[Route, Span] | None = None
            for route, where in self.mappings:
                if _inside(span, where) and (around is None or _inside(where, around[1])):
                    around = (route, where)
            base = self.around_line[span.start_line] = around[0] if around is not None else ()
        return base + (key,) if key else base


def _recovery_roots(config: ConfigFile, text: str) -> tuple[Node, ...]:
    """What the parser recovered; for a file refused as binary, a parse of its text with each NUL
    read as a space (one code point for one, so every position stays exact)."""
    if config.document.roots or "\x00" not in text:
        return config.document.roots
    from mcpiam.parse import parse_text

    fmt = "jsonc" if config.document.format == "json" else config.document.format
    return parse_text(text.replace("\x00", " "), fmt).roots


def _matches(families: Sequence[TokenFamily], text: str) -> list[TokenMatch]:
    """Every family match in the text, overlaps resolved within each run of overlapping matches
    (over a whole file, comparing every match with every other would be quadratic)."""
    candidates = sorted((match for family in families for match in family_candidates(family, text, "")),
                        key=lambda m: (m.start, m.end))
    kept: list[TokenMatch] = []
    cluster: list[TokenMatch] = []
    reach = -1
    for match in candidates:
        if cluster and match.start >= reach:
            kept.extend(resolve_overlaps(cluster))
            cluster = []
        cluster.append(match)
        reach = max(reach, match.end) if len(cluster) > 1 else match.end
    kept.extend(resolve_overlaps(cluster))
    return kept


def _config_part(fmt: str, text: str) -> str:
    """The part of the text that is configuration: a Markdown file's front matter, not its body."""
    if fmt != "markdown":
        return text
    from mcpiam.parse.frontmatter import front_matter_end

    return text[:front_matter_end(text)]


def credentials_in_text(config: ConfigFile, text: str, families: Sequence[TokenFamily],
                        fingerprint_key: bytes, found: Sequence[Credential]) -> list[Credential]:
    """Family tokens in the config's raw text that the parse did not already yield."""
    lines = _Lines(text)
    taken = _Taken(credential.span for credential in found if credential.config is config)
    recovered: _Recovered | None = None
    keys = _TextKeys(config.document.format, text)
    servers = ServerIndex.of(config)
    out: list[Credential] = []
    searchable = searchable_families(families)
    for match in _matches(searchable, _config_part(config.document.format, text)):
        secret = text[match.start:match.end]
        if match.rejected or is_placeholder(secret):
            continue
        span = lines.span(match.start, match.end)
        if taken.overlaps(span):
            continue  # the recovered parse found it: reported once, as from a good file
        if recovered is None:
            recovered = _Recovered(_recovery_roots(config, text))
        key = _key_before(text, match.match_start, config.document.format)
        route = recovered.route_of(span, key, keys.route_at(match.start, key))
        value = Value(route, Scalar(secret, span))
        # The key names the secret in the message, unless it is a token itself (read from raw text).
        context = "" if _matches(searchable, key) else key
        candidate = SecretCandidate(value, secret, 0, context, PLACE)
        taken.add(span)
        out.append(family_credential(config, servers.at(route) if route else None, candidate, match,
                                     secret, span, fingerprint_key, 0))
    return out



def token_matches(families: Sequence[TokenFamily], text: str) -> list[TokenMatch]:
    """Every family match in free text (not a config), overlaps resolved: for text read from other
    files than configs, such as the clients' activity records."""
    return _matches(families, text)
