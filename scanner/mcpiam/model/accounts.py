"""Which accounts the configured servers log in as: the model step's answer, read by rules.

An account is named by a connection string's user (``postgres://postgres@db/app``), a Basic
``Authorization`` header, a user setting (``PGUSER``, ``DB_USERNAME``, ``--user``, ``User Id=`` in
an ADO.NET string), an AWS profile (``AWS_PROFILE``, ``--profile``), a Google service account
(``…@….iam.gserviceaccount.com``, a ``GOOGLE_APPLICATION_CREDENTIALS`` key file) or Gemini CLI's
``service_account_impersonation``. A mention carries the account's name and where it is written;
never a password (a Basic header is decoded in memory and only its user part kept).
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterator
from mcpiam.core.lazy_pattern import lazy_compile
from mcpiam.core.valuetype import dataclass
from enum import Enum
from urllib.parse import unquote, urlsplit

from mcpiam.core.document import Mapping, Scalar, Sequence, Span, last_key, walk
from mcpiam.core.findings import Location
from mcpiam.model.servers import ConfigFile, Server, ServerIndex, Value, substring_span


class AccountKind(str, Enum):
    CONNECTION_USER = "connection-string user"
    BASIC_AUTH = "basic-auth user"
    USER_SETTING = "user setting"
    AWS_PROFILE = "AWS profile"
    GOOGLE_SERVICE_ACCOUNT = "Google service account"
    GOOGLE_KEY_FILE = "Google service-account key file"
    IMPERSONATION = "service-account impersonation"


@dataclass(frozen=True, slots=True)
class AccountMention:
    """An account a server is configured to act as, where the config names it."""

    config: ConfigFile
    server: Server | None
    kind: AccountKind
    name: str  # the account (or profile, key-file path, service-account e-mail)
    value: Value  # the scalar that names it
    span: Span  # the name inside the value when it can be located exactly, else the value
    context: str  # the key, env var or flag that holds it

    @property
    def location(self) -> Location:
        return Location(self.config.path, self.span, self.value.route)


URL_WITH_USER = lazy_compile(r"^[A-Za-z][A-Za-z0-9+.-]*://[^/?#\s]*@")
BASIC_AUTH = lazy_compile(r"^\s*Basic\s+([A-Za-z0-9+/=_-]{4,})\s*$")
USER_KEY = lazy_compile(
    r"^(?:[A-Za-z0-9]+[_.-])*(?:user|username|user_?name|login|db_?user|pg_?user)$", re.IGNORECASE
)
USER_FLAG = lazy_compile(r"^--?(?:user|username|db-user|db_user|login|U)$")
PROFILE_KEY = lazy_compile(r"^(?:AWS_PROFILE|AWS_DEFAULT_PROFILE)$")
PROFILE_FLAG = lazy_compile(r"^--(?:profile|aws-profile)$")
# Values end at their last non-space character, matched greedily: a lazy value followed by "\s*"
# retries the spaces from every character and is quadratic (see secrets/locate.py).
KEY_VALUE = lazy_compile(r"^\s*(?:--?)?([A-Za-z_][A-Za-z0-9_.-]*)=(.(?:.*\S)?)\s*$")
ADO_USER = lazy_compile(
    r"(?:^|;)\s*(?i:user\s*id|uid|user\s*name|user)\s*=\s*+([^;\s](?:[^;]*[^;\s])?)\s*(?=;|$)")
SERVICE_ACCOUNT_DOMAIN = ".iam.gserviceaccount.com"
# Bounded and anchored on a boundary so a long run of name characters is not re-scanned from
# every position (a huge value stays linear).
SERVICE_ACCOUNT_EMAIL = lazy_compile(
    r"(?<![A-Za-z0-9._-])[A-Za-z0-9._-]{1,128}@[A-Za-z0-9-]{1,63}\.iam\.gserviceaccount\.com")
GOOGLE_KEY_FILE_KEY = lazy_compile(r"^GOOGLE_APPLICATION_CREDENTIALS$")
# Written as a reference, not a literal name: nothing to attribute.
REFERENCE_LIKE = lazy_compile(r"^\$|\$\{|^\{|^%[A-Za-z_]\w*%$|^<.*>$|\{\{")


def _literal(text: str) -> bool:
    return bool(text.strip()) and not REFERENCE_LIKE.search(text.strip())


def account_mentions(config: ConfigFile) -> Iterator[AccountMention]:
    """Every account named in one config file, in document order."""
    servers = ServerIndex.of(config)
    for root in config.document.roots:
        for route, node in walk(root):
            if isinstance(node, Sequence):
                yield from _flag_mentions(config, servers, route, node)
            elif isinstance(node, Mapping):
                yield from _impersonation(config, servers, route, node)
            elif isinstance(node, Scalar) and isinstance(node.value, str):
                yield from _scalar_mentions(config, servers, Value(route, node), node.value,
                                            last_key(route))


def _mention(config: ConfigFile, servers: ServerIndex, kind: AccountKind, name: str, value: Value,
             start: int, context: str) -> AccountMention:
    span = substring_span(value, start, len(name)) if start >= 0 else value.span
    return AccountMention(config, servers.at(value.route), kind, unquote(name), value, span, context)


def _scalar_mentions(config: ConfigFile, servers: ServerIndex, value: Value, text: str,
                     key: str) -> Iterator[AccountMention]:
    if URL_WITH_USER.match(text):
        yield from _url_user(config, servers, value, text, 0, key)
    basic = BASIC_AUTH.match(text)
    if basic:
        user = _basic_user(basic.group(1))
        if user:
            # The header's credential is one opaque token: point at it, name only the user.
            found = AccountMention(config, servers.at(value.route), AccountKind.BASIC_AUTH, user,
                                   value, substring_span(value, basic.start(1), len(basic.group(1))), key)
            yield found
    whole_kind = _named_by_key(key, text)
    if whole_kind is not None:
        whole = text.strip()
        yield _mention(config, servers, whole_kind, whole, value, text.find(whole), key)
    pair = KEY_VALUE.match(text)
    if pair and not URL_WITH_USER.match(text):
        name, inner = pair.group(1), pair.group(2)
        start = pair.start(2)
        if URL_WITH_USER.match(inner):
            yield from _url_user(config, servers, value, inner, start, name)
        elif PROFILE_KEY.match(name) and _literal(inner):
            yield _mention(config, servers, AccountKind.AWS_PROFILE, inner, value, start, name)
        elif USER_KEY.match(name) and _literal(inner) and ";" not in inner:
            yield _mention(config, servers, AccountKind.USER_SETTING, inner, value, start, name)
    if ";" in text and "=" in text and not URL_WITH_USER.match(text):
        for ado in ADO_USER.finditer(text):
            if _literal(ado.group(1)):
                yield _mention(config, servers, AccountKind.USER_SETTING, ado.group(1), value,
                               ado.start(1), key)
    if SERVICE_ACCOUNT_DOMAIN not in text:
        return
    for email in SERVICE_ACCOUNT_EMAIL.finditer(text):
        yield _mention(config, servers, AccountKind.GOOGLE_SERVICE_ACCOUNT, email.group(0), value,
                       email.start(), key)


def _named_by_key(key: str, text: str) -> AccountKind | None:
    """What a whole value names, judged by its key: a key file, an AWS profile or a user."""
    if not _literal(text):
        return None
    if GOOGLE_KEY_FILE_KEY.match(key):
        return AccountKind.GOOGLE_KEY_FILE
    if PROFILE_KEY.match(key):
        return AccountKind.AWS_PROFILE
    if USER_KEY.match(key) and not URL_WITH_USER.match(text) and " " not in text.strip():
        return AccountKind.USER_SETTING
    return None


def _url_user(config: ConfigFile, servers: ServerIndex, value: Value, text: str, base: int,
              key: str) -> Iterator[AccountMention]:
    try:
        username = urlsplit(text.strip()).username
    except ValueError:
        return
    if not username or not _literal(username):
        return
    scheme_end = text.find("://")
    start = text.find(username, scheme_end + 3) if scheme_end >= 0 else -1
    yield _mention(config, servers, AccountKind.CONNECTION_USER, username, value,
                   base + start if start >= 0 else -1, key)


def _basic_user(token: str) -> str:
    try:
        decoded = base64.b64decode(token + "=" * (-len(token) % 4), validate=False).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return ""
    user, colon, _ = decoded.partition(":")
    return user if colon and user.isprintable() and _literal(user) else ""


def _flag_mentions(config: ConfigFile, servers: ServerIndex, route: tuple,
                   node: Sequence) -> Iterator[AccountMention]:
    items = node.items
    for index, item in enumerate(items):
        if not (isinstance(item, Scalar) and isinstance(item.value, str)):
            continue
        flag = item.value.strip()
        name, equals, inline = flag.partition("=")
        kind = (AccountKind.USER_SETTING if USER_FLAG.match(name)
                else AccountKind.AWS_PROFILE if PROFILE_FLAG.match(name) else None)
        if kind is None:
            continue
        if equals:
            if _literal(inline):
                yield _mention(config, servers, kind, inline, Value(route + (index,), item),
                               item.value.find(inline, len(name)), name.lstrip("-"))
            continue
        following = items[index + 1] if index + 1 < len(items) else None
        if not (isinstance(following, Scalar) and isinstance(following.value, str)):
            continue
        word = following.value
        if _literal(word) and not word.startswith("-"):
            yield _mention(config, servers, kind, word.strip(), Value(route + (index + 1,), following),
                           word.find(word.strip()), name.lstrip("-"))


def _impersonation(config: ConfigFile, servers: ServerIndex, route: tuple,
                   node: Mapping) -> Iterator[AccountMention]:
    """Gemini CLI: ``authProviderType: service_account_impersonation`` (+ ``targetServiceAccount``)."""
    provider = node.get("authProviderType")
    if not (isinstance(provider, Scalar) and provider.value == "service_account_impersonation"):
        return
    target = node.get("targetServiceAccount")
    name = target.value if isinstance(target, Scalar) and isinstance(target.value, str) else ""
    value = Value(route + ("authProviderType",), provider)
    yield AccountMention(config, servers.at(value.route), AccountKind.IMPERSONATION,
                         name or "(unnamed service account)", value, value.span, "authProviderType")
