"""Reading ``.mcpiam.yaml``: parse with positions, validate against ``policy.schema.json``, build a Policy.

Every problem is reported as ``file:line:column: field: message`` at the value (or key) at fault.
Messages are written from the schema, never from the value, so a token pasted into a policy file
by mistake is not echoed back.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterator
from mcpiam.core.lazy_pattern import lazy_compile
from mcpiam.core.valuetype import dataclass
from functools import lru_cache
from pathlib import Path

from mcpiam.core.document import Mapping, Node, Route, Scalar, Sequence, Span, lookup, plain, walk
from mcpiam.core.findings import Severity
from mcpiam.core.safe_open import Fence
from mcpiam.parse import parse_text, read_source
from mcpiam.policy.model import (
    AllowedFinding,
    ApprovedServer,
    OwnerEntry,
    Policy,
    RuleOverride,
    ServerMatch,
)

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing on the hook's path
if TYPE_CHECKING:
    from typing import Any
    import jsonschema

POLICY_FILE_NAMES = (".mcpiam.yaml", ".mcpiam.yml")
MAX_PROBLEMS = 50
_START = Span(1, 1, 1, 2)
_TYPE_WORDS = {
    "object": "a mapping", "array": "a list", "string": "a string", "boolean": "true or false",
    "integer": "an integer", "number": "a number", "null": "empty",
}


@dataclass(frozen=True, slots=True)
class PolicyProblem:
    """One problem in a policy file, at its line and column."""

    path: str
    span: Span
    field: str  # e.g. owners[0].match.package; "" for the file as a whole
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.span.start_line}:{self.span.start_column}"
        return f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"


class PolicyError(Exception):
    """An unreadable or invalid policy file: a usage error (exit 2), one line per problem."""

    def __init__(self, problems: Collection[PolicyProblem]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(str(problem) for problem in self.problems))


@lru_cache(maxsize=1)
def policy_schema() -> dict[str, Any]:
    from importlib import resources  # slow to import; only a scan with a policy file needs it

    text = resources.files("mcpiam.policy").joinpath("policy.schema.json").read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


# A key shown as written in a message: a field or rule name (lower-case words). Anything else,
# say a token pasted where a key goes, is shown as <key>: its position says where it is.
_SHOWN_KEY = lazy_compile(r"[a-z][a-z_-]{0,39}")


def field_name(route: Route) -> str:
    """``("owners", 0, "match")`` -> ``owners[0].match``; a key that is no plain name -> ``<key>``."""
    out = ""
    for step in route:
        if isinstance(step, int):
            out += f"[{step}]"
            continue
        shown = str(step) if _SHOWN_KEY.fullmatch(str(step)) else "<key>"
        out += f".{shown}" if out else shown
    return out or "(top level)"


def find_policy(directory: Path) -> Path | None:
    """The policy file at the top of ``directory``, if there is one."""
    for name in POLICY_FILE_NAMES:
        candidate = directory / name
        if candidate.is_file():
            return candidate
    return None


def load_policy(path: Path, display: str | None = None, rule_ids: Collection[str] = (),
                fence: Fence | None = None) -> Policy:
    """Read and validate a policy file; raises PolicyError. ``rule_ids``: known rules (unchecked if empty).

    ``fence``: the tree a policy found in it must not lead out of (by a link); None for one named.
    """
    shown = display or path.as_posix()
    if not path.is_file():
        reason = "is a directory" if path.is_dir() else "not found"
        raise PolicyError([PolicyProblem(shown, _START, "", f"cannot read the policy file: {reason}")])
    source = read_source(path, fence=fence)
    if source.text is None:
        reasons = "; ".join(problem.message for problem in source.problems) or "unreadable"
        raise PolicyError([PolicyProblem(shown, _START, "", f"cannot read the policy file: {reasons}")])
    return parse_policy(source.text, shown, rule_ids)


def parse_policy(text: str, display: str = ".mcpiam.yaml", rule_ids: Collection[str] = ()) -> Policy:
    """Validate policy text and build the Policy; raises PolicyError naming line, column and field."""
    document = parse_text(text, "yaml")
    if document.errors:
        raise PolicyError([PolicyProblem(display, p.span, "", f"invalid YAML: {p.message}")
                           for p in document.errors])
    if len(document.roots) > 1:
        raise PolicyError([PolicyProblem(display, document.roots[1].span, "",
                                         "a policy file holds one YAML document, not several")])
    root = document.root
    problems = sorted(set(_problems(root, display, rule_ids)), key=lambda p: (p.span, p.field))
    if problems:
        raise PolicyError(problems[:MAX_PROBLEMS])
    data = plain(root) if root is not None else {}
    if data is None:  # a file holding only comments, or "~"
        data = {}
    return _build(data, display, root)


def _problems(root: Node | None, display: str, rule_ids: Collection[str]) -> Iterator[PolicyProblem]:
    if root is None or (isinstance(root, Scalar) and root.value is None):
        return  # an empty document: an empty policy
    for route, node in walk(root):
        if isinstance(node, Mapping):
            seen: set[str] = set()
            for entry in node.entries:
                if entry.key in seen:
                    yield PolicyProblem(display, entry.key_span, field_name(route + (entry.key,)),
                                        "duplicate field")
                seen.add(entry.key)
    import jsonschema  # on first use: a scan without a policy file never pays for it

    validator = jsonschema.Draft202012Validator(policy_schema())
    for error in validator.iter_errors(plain(root)):
        yield from _explain(error, (), root, display)
    rules = root.get("rules") if isinstance(root, Mapping) else None
    if rule_ids and isinstance(rules, Mapping):
        for entry in rules.entries:
            if entry.key not in rule_ids:
                yield PolicyProblem(display, entry.key_span, field_name(("rules", entry.key)),
                                    "unknown rule; `mcpiam rules` lists them")
    allowlist = root.get("allowlist") if isinstance(root, Mapping) else None
    if rule_ids and isinstance(allowlist, Sequence):
        for index, item in enumerate(allowlist.items):
            rule = item.get("rule") if isinstance(item, Mapping) else None
            if isinstance(rule, Scalar) and isinstance(rule.value, str) and rule.value \
                    and rule.value not in rule_ids:
                yield PolicyProblem(display, rule.span, field_name(("allowlist", index, "rule")),
                                    "unknown rule; `mcpiam rules` lists them")


def _span_at(root: Node, route: Route) -> Span:
    node = lookup(root, route)
    return node.span if node is not None else root.span


def _key_span(root: Node, route: Route, key: str) -> Span:
    node = lookup(root, route)
    if isinstance(node, Mapping):
        entry = node.entry(key)
        if entry is not None:
            return entry.key_span
    return _span_at(root, route)


def _explain(error: jsonschema.ValidationError, prefix: Route, root: Node,
             display: str) -> Iterator[PolicyProblem]:
    """One or more problems for a schema error, worded from the schema (never quoting the value)."""
    route: Route = prefix + tuple(error.relative_path if prefix else error.absolute_path)
    schema = error.schema if isinstance(error.schema, dict) else {}
    kind = error.validator
    instance = error.instance
    if kind == "required":
        for name in error.validator_value:
            if isinstance(instance, dict) and name not in instance:
                yield PolicyProblem(display, _span_at(root, route), field_name(route + (name,)),
                                    "missing required field")
        return
    if kind == "additionalProperties":
        known = sorted(schema.get("properties", {}))
        for key in instance if isinstance(instance, dict) else ():
            if key not in known:
                yield PolicyProblem(display, _key_span(root, route, key), field_name(route + (key,)),
                                    f"unknown field; expected one of: {', '.join(known)}")
        return
    if kind == "oneOf" and isinstance(instance, list):
        # A list of globs: report the item at fault rather than "not a glob or a list".
        for sub in error.context or ():
            if sub.schema_path and sub.schema_path[0] == 1:
                yield from _explain(sub, route, root, display)
        return
    yield PolicyProblem(display, _span_at(root, route), field_name(route), _message(kind, error, schema))


def _message(kind: str, error: jsonschema.ValidationError, schema: dict[str, Any]) -> str:
    value = error.validator_value
    if kind == "type":
        names = value if isinstance(value, list) else [value]
        return "must be " + " or ".join(_TYPE_WORDS.get(name, name) for name in names)
    if kind == "enum":
        return "must be one of: " + ", ".join(str(v) for v in value)
    if kind == "const":
        return f"must be {json.dumps(value)}"
    if kind == "minLength":
        return "must not be empty"
    if kind == "minItems":
        return "must not be an empty list"
    if kind == "minProperties":
        return "must set at least one of: " + ", ".join(sorted(schema.get("properties", {})))
    if kind == "pattern":
        return str(schema.get("x-message", f"must match the pattern {value}"))
    if kind == "oneOf":
        return "must be a glob (a non-empty string) or a list of globs"
    return f"does not satisfy '{kind}' in the policy schema"


def _globs(value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)  # type: ignore[arg-type]


def _match(data: dict[str, Any]) -> ServerMatch:
    return ServerMatch(names=_globs(data.get("name")), paths=_globs(data.get("path")),
                       packages=_globs(data.get("package")), urls=_globs(data.get("url")))


def _item_spans(root: Node | None, key: str) -> list[Span]:
    node = root.get(key) if isinstance(root, Mapping) else None
    return [item.span for item in node.items] if isinstance(node, Sequence) else []


def _item_lines(root: Node | None, key: str) -> list[int]:
    return [span.start_line for span in _item_spans(root, key)]


def _allowed(entries: list[dict[str, Any]], spans: list[Span]) -> tuple[AllowedFinding, ...]:
    return tuple(
        AllowedFinding(entry["fingerprint"], entry["reason"], rule=entry.get("rule"),
                       path=entry["path"].strip().removeprefix("./") if "path" in entry else None,
                       span=spans[index] if index < len(spans) else None)
        for index, entry in enumerate(entries)
    )


def _build(data: dict[str, Any], display: str, root: Node | None) -> Policy:
    rules = data.get("rules") or {}
    owner_lines = _item_lines(root, "owners")
    return Policy(
        source=display,
        owners=tuple(
            OwnerEntry(match=_match(entry["match"]), owner=entry["owner"], purpose=entry.get("purpose"),
                       secret_source=entry.get("secret_source"), revocation=entry.get("revocation"),
                       line=owner_lines[index] if index < len(owner_lines) else 0)
            for index, entry in enumerate(data.get("owners") or ())
        ),
        owners_from_codeowners=bool(data.get("owners_from_codeowners", False)),
        approved_servers=tuple(ApprovedServer(_match(entry["match"]), entry.get("note"))
                               for entry in data.get("approved_servers") or ()),
        rules=tuple(
            RuleOverride(rule_id, override.get("enabled"),
                         Severity.parse(override["severity"]) if "severity" in override else None)
            for rule_id, override in rules.items()
        ),
        ignore_paths=tuple(data.get("ignore_paths") or ()),
        allowlist=_allowed(list(data.get("allowlist") or ()), _item_spans(root, "allowlist")),
        shared_accounts=tuple(data.get("shared_accounts") or ()),
        dormant_days=data.get("dormant_days"),
    )
