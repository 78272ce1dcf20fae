"""Where a secret hides in a config value: the places to look, each with the key that names it.

Every string in a config file is a candidate, and so are the parts of it that carry a credential:
the token after ``Bearer``, the value of ``--api-key=V`` or of the argument after ``--token``,
``K=V`` pairs (docker ``-e``), ``Header: value`` strings, URL user info and query parameters,
``${VAR:-default}`` defaults, and JSON inside a string (walked by the document itself).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from mcpiam.core.lazy_pattern import lazy_compile
from mcpiam.core.valuetype import dataclass
from urllib.parse import unquote, urlsplit

from mcpiam.core.document import Label, Mapping, Node, Route, Scalar, Sequence, Span, last_key, walk
from mcpiam.model.servers import Value, substring_span
from mcpiam.secrets.references import is_secret_manager_uri

# A flag that takes a credential as its next argument or after "=".
SECRET_FLAG = lazy_compile(
    r"^--?(?:[a-z0-9]+[-_])*(?:api[-_]?key|apikey|key|token|access[-_]token|auth[-_]token|"
    r"secret|client[-_]secret|password|passwd|pass|pat|bearer|auth|credentials?|private[-_]key)$",
    re.IGNORECASE,
)
# A value ends at its last non-space character: written "\S(?:.*\S)?" (greedy) rather than
# "\S.*?" followed by "\s*$", which retries the trailing "\s*" from every character of the value
# and takes quadratic time on a long run of spaces (issue 13; tests/test_backtracking.py).
AUTH_SCHEME = lazy_compile(r"^\s*(Bearer|Basic|Token|token|Bot|ApiKey|Api-Key|Key|Digest)\s+(\S(?:.*\S)?)\s*$")
# A header or variable name is short; a long run before ":" or "=" is a token's first half.
HEADER_LINE = lazy_compile(r"^\s*([A-Za-z0-9][A-Za-z0-9_-]{0,63})\s*:\s*(\S(?:.*\S)?)\s*$")
KEY_VALUE = lazy_compile(r"^\s*(--?)?([A-Za-z_][A-Za-z0-9_.-]{0,63})=(.(?:.*\S)?)\s*$", re.DOTALL)
# ${VAR:-default}, and the dev containers' ${localEnv:VAR:default} / ${containerEnv:VAR:default}.
DEFAULT_EXPR = lazy_compile(
    r"\$\{(?:(?:localEnv|containerEnv):(?P<env_name>[A-Za-z_][A-Za-z0-9_]*):|(?P<name>[A-Za-z_][A-Za-z0-9_]*):-)"
    r"(?P<default>[^}]+)\}")
URL_START = lazy_compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
# A line of text that labels a value in words (``clarifai access key V``, ``api_token = V``,
# ``#define IO_KEY "V"``): its words, split at spaces, quotes and brackets.
PHRASE_WORD = lazy_compile(r"[^\s\"'`,;(){}\[\]<>]+")
LABEL_WORD = lazy_compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")  # as generic.key_words
# The last word of a label that says a credential follows (``access key``, ``secretKey:``,
# ``ACCESS=``, ``PRIVATEKEY``).
CREDENTIAL_LABEL_WORDS = frozenset({
    "key", "apikey", "token", "secret", "password", "passwd", "pwd", "pass", "passphrase", "auth",
    "credential", "credentials", "pat", "bearer", "access", "private", "secretkey", "privatekey",
    "accesskey", "authkey", "apitoken", "accesstoken", "authtoken",
})
# A value this long mixing letters and digits may follow any label: detect judges it only when
# the label names a provider (``skrapp 2e11kyDI…``, ``owm = '3k14…'``).
PHRASE_UNLABELLED_VALUE = 16
PHRASE_BREAK = lazy_compile(r"[\s\"'`(),;]")  # a text without one is a single word, not a line
PHRASE_LABEL_WORDS = 4  # words of the line before a value that make its label (its context)
PHRASE_MIN_VALUE = 8  # shorter words after a label are words, not credentials
PHRASE_MAX_TEXT = 10_000  # a longer text is a document, not a config line
GLUED_NAME = lazy_compile(r"^[A-Za-z_$#@-]*[A-Za-z_][A-Za-z0-9_.-]{0,63}[=:]")


@dataclass(frozen=True, slots=True)
class SecretCandidate:
    """A piece of a config value that may be a secret, with its context."""

    value: Value  # the scalar the candidate sits in
    text: str  # the candidate secret (a substring of the scalar's text, or decoded from it)
    start: int  # offset of ``text`` in the scalar's text; -1 when decoded (no exact offset)
    context: str  # the name that labels it: env var, header, flag, query parameter, key
    place: str  # field | env | header | arg | flag-value | pair | url-password | url-query | default
    # The text splits into credential-bearing parts (K=V, "Header: v", a URL's password): those
    # parts are judged on their own, so generic detection leaves the whole alone.
    composite: bool = False
    # Where each character of ``text`` is in the scalar's text, when the text is not written as
    # one run there (a shell word with quotes or escapes inside); None when ``start`` suffices.
    offsets: tuple[int, ...] | None = None
    shell: bool = False  # part of a script a shell runs: the shell expands $VAR, ${VAR}, $(cmd)

    @property
    def span(self) -> Span:
        return self.span_of(self.start, len(self.text))

    def span_of(self, start: int, length: int) -> Span:
        """The span of ``length`` characters from ``start`` (an offset in the scalar's text, as
        ``self.start`` is), through ``offsets`` when the text has them."""
        if self.offsets is None or start < 0 or length <= 0:
            return substring_span(self.value, start, length)
        first = start - self.start
        last = first + length - 1
        if first < 0 or last >= len(self.offsets):
            return substring_span(self.value, -1, length)
        begin, end = self.offsets[first], self.offsets[last] + 1
        return substring_span(self.value, begin, end - begin)


def split_value(value: Value, text: str, base: int, context: str, place: str,
                depth: int = 0) -> Iterator[SecretCandidate]:
    """The candidate itself and every credential-bearing part inside it."""
    if depth > 3 or len(text) > 100_000 or is_secret_manager_uri(text):
        # A secret-manager reference ("vault:secret/x#key") is not "Header: value".
        yield SecretCandidate(value, text, base, context, place)
        return
    parts: list[SecretCandidate] = []
    match = AUTH_SCHEME.match(text)
    if match:
        parts.append(SecretCandidate(value, match.group(2), base + match.start(2),
                                     f"{context} {match.group(1)}".strip(), place))
    match = HEADER_LINE.match(text)
    if match and not URL_START.match(text):
        inner, skip = _unquoted(match.group(2))
        parts.extend(split_value(value, inner, base + match.start(2) + skip, match.group(1),
                                 "header", depth + 1))
    match = KEY_VALUE.match(text)
    if match and not URL_START.match(text):
        inner, skip = _unquoted(match.group(3))
        parts.extend(split_value(value, inner, base + match.start(3) + skip, match.group(2),
                                 "pair", depth + 1))
    for default in DEFAULT_EXPR.finditer(text):
        parts.append(SecretCandidate(value, default.group("default"), base + default.start("default"),
                                     default.group("name") or default.group("env_name"), "default"))
    if URL_START.match(text):
        parts.extend(_url_parts(value, text, base, context))
    elif (not parts and len(text) <= PHRASE_MAX_TEXT and PHRASE_BREAK.search(text.strip())
          and "-----BEGIN" not in text):  # a PEM block's words are its family's business
        parts.extend(_phrase_parts(value, text, base))
    yield SecretCandidate(value, text, base, context, place, composite=bool(parts))
    yield from parts


def _phrase_parts(value: Value, text: str, base: int) -> Iterator[SecretCandidate]:
    """Values a line of text labels in words: a word of 8+ characters right after a label whose
    last word is a credential word (``clarifai access key V``, ``token = V``, ``NPM_TOKEN="V"``),
    or glued to it (``ACCESS_KEY=V`` inside the line); the parts of a URL inside the line; or a long word of letters and digits after
    any label, which detect judges only when the label names a provider. The label's words (at
    most four, on the same line) are the context; detect judges only a value that looks generated."""
    words = [(found.start(), found.group()) for found in PHRASE_WORD.finditer(text)
             if found.group().strip("=:")]  # a lone "=" or ":" separates, it labels nothing
    for index, (start, word) in enumerate(words):
        if URL_START.match(word):  # a URL inside the line: its password and query values
            yield from _url_parts(value, word, base + start, "")
            continue
        glued = GLUED_NAME.match(word)
        if glued and len(word) > glued.end():
            name, found, at = word[:glued.end() - 1], word[glued.end():], start + glued.end()
            label = [*_same_line_words(text, words, index), name]
        elif index > 0:
            name, found, at = words[index - 1][1].rstrip("=:"), word.lstrip("=:"), start
            at += len(word) - len(found)
            if "\n" in text[words[index - 1][0]:start]:
                continue  # a label ends its line: what follows is another line
            label = [*_same_line_words(text, words, index - 1), name]
        else:
            continue
        found = found.rstrip(".")
        if len(found) < PHRASE_MIN_VALUE or not name:
            continue
        if credential_label(name) or (len(found) >= PHRASE_UNLABELLED_VALUE and _letters_and_digits(found)):
            context = " ".join(word.strip("=:#$-") for word in label[-PHRASE_LABEL_WORDS:])
            yield SecretCandidate(value, found, base + at, context.strip(), "phrase")


def credential_label(label: str) -> bool:
    """Whether a label's last word says a credential follows (``access key``, ``apiToken``)."""
    words = LABEL_WORD.findall(label)
    return bool(words) and words[-1].lower() in CREDENTIAL_LABEL_WORDS


def _letters_and_digits(text: str) -> bool:
    return any(c.isdigit() for c in text) and any(c.isalpha() for c in text)


def _same_line_words(text: str, words: list[tuple[int, str]], index: int) -> list[str]:
    """The words before ``words[index]`` on its line (at most a label's length)."""
    line_start = text.rfind("\n", 0, words[index][0]) + 1
    return [word for start, word in words[max(0, index - PHRASE_LABEL_WORDS):index] if start >= line_start]


def _unquoted(text: str) -> tuple[str, int]:
    """A pair's or header's value without the quotes around it (``--header='X-Key: v'``,
    ``TOKEN="v"``), and how many characters were skipped at its start: the name before "=" or
    ":" is the context of what is inside the quotes."""
    if len(text) >= 2 and text[0] in "'\"" and text[-1] == text[0]:
        return text[1:-1], 1
    return text, 0


def _url_parts(value: Value, text: str, base: int, context: str) -> Iterator[SecretCandidate]:
    try:
        parts = urlsplit(text.strip())
        password = parts.password
        query = parts.query
    except ValueError:
        return
    if password:
        raw = text.find(":" + password + "@") if password in text else -1
        start = base + raw + 1 if raw >= 0 else -1
        yield SecretCandidate(value, unquote(password) if raw < 0 else password, start,
                              f"{context} password".strip(), "url-password")
    if query:
        # Each parameter as written (a %3D stays %3D), at its exact place in the text; the
        # decoded form is a candidate too when it differs (families read both).
        query_start = text.find("?")
        position = query_start + 1 if query_start >= 0 else -1
        for pair in query.split("&"):
            name, equals, raw = pair.partition("=")
            located = text.find(pair, position) if position >= 0 else -1
            if located >= 0:
                position = located + len(pair)
            if not equals or not raw:
                continue
            start = base + located + len(name) + 1 if located >= 0 else -1
            label = unquote(name.replace("+", " "))
            yield SecretCandidate(value, raw, start, label, "url-query")
            decoded = unquote(raw.replace("+", " "))
            if decoded != raw:
                yield SecretCandidate(value, decoded, -1, label, "url-query", composite=True)


def _place(route: Route, default: str = "field") -> str:
    keys = [step for step in route if isinstance(step, str)]
    lowered = [k.lower() for k in keys]
    for marker, place in (("headers", "header"), ("env", "env"), ("envs", "env"),
                          ("environment", "env"), ("args", "arg")):
        if marker in lowered[:-1] or (place == "arg" and marker in lowered):
            return place
    return default


# Keys under which a named input keeps its value: registry KeyValueInput and Argument {name,
# value|default}, MCPB user_config {<key>: {default}}, Docker catalog {name, example}.
INPUT_VALUE_KEYS = frozenset({"value", "default", "example"})


def _context(route: Route, mappings: dict[Route, Mapping]) -> str:
    """The name that labels a value: its key, or for an input's value the input's own name."""
    key = last_key(route)
    if key not in INPUT_VALUE_KEYS or not route or route[-1] != key:
        return key
    parent = mappings.get(route[:-1])
    name = parent.get("name") if parent is not None else None
    if isinstance(name, Scalar) and isinstance(name.value, str) and name.value.strip():
        return name.value.strip().lstrip("-")  # a named argument's name may be "--token"
    return last_key(route[:-1]) or key


# Reads a string another way than ``split_value`` (a shell command), or returns None.
StringReader = Callable[[Value, str, str, str], Iterable[SecretCandidate] | None]


def candidates_in(root: Node, default_place: str = "field",
                  read_string: StringReader | None = None) -> Iterator[SecretCandidate]:
    """Every candidate in a document tree: all string scalars, split, with argument-flag context.

    ``default_place`` is what a value outside env/headers/args is: "env" in a dotenv file.
    ``read_string`` may read a string in its own way (value, text, context, place).
    """
    mappings: dict[Route, Mapping] = {}
    for route, node in walk(root):
        if isinstance(node, Mapping):
            mappings[route] = node
            continue
        if isinstance(node, Sequence):
            yield from _flag_values(route, node)
            continue
        if not isinstance(node, Scalar) or not isinstance(node.value, str):
            continue
        value = Value(route, node)
        context, place = _context(route, mappings), _place(route, default_place)
        read = read_string(value, node.value, context, place) if read_string is not None else None
        yield from read if read is not None else split_value(value, node.value, 0, context, place)


def key_candidates(root: Node, labels: Iterable[Label] = ()) -> Iterator[SecretCandidate]:
    """Every mapping key as a candidate of its own, at the key's span: a token pasted where a name
    belongs (a server name, an env or header name, a TOML table name) is as leaked as a value. The
    route is the route of the value the key names; the context is empty (the key is not named).
    Then each label (a YAML anchor name) at its own span, with no route."""
    for label in labels:
        yield SecretCandidate(Value((), Scalar(label.text, label.span)), label.text, 0, "", "anchor")
    for route, node in walk(root):
        if isinstance(node, Mapping):
            for entry in node.entries:
                yield SecretCandidate(Value(route + (entry.key,), Scalar(entry.key, entry.key_span)),
                                      entry.key, 0, "", "key")


def _flag_values(route: Route, node: Sequence) -> Iterator[SecretCandidate]:
    """Arguments that follow a flag: ``--token V`` labels V with the flag's name."""
    items = node.items
    for index in range(len(items) - 1):
        flag, following = items[index], items[index + 1]
        if not (isinstance(flag, Scalar) and isinstance(flag.value, str)):
            continue
        if not (isinstance(following, Scalar) and isinstance(following.value, str)):
            continue
        name = flag.value.strip()
        if SECRET_FLAG.match(name):
            yield SecretCandidate(Value(route + (index + 1,), following), following.value, 0,
                                  name.lstrip("-"), "flag-value")
