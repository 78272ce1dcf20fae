"""Every regular expression that reads input is linear on hostile input: checked, not timed.

The static analysis in ``mcpiam.secrets.backtracking`` runs over every module-level pattern of the
package (found by importing every module) and every token family in ``rules/`` (so families added
later are checked too); a user's ``--rules`` family is refused at load. The patterns that were
quadratic are kept here as text: the analysis must flag them, and their replacements must give
the same results on many small inputs.
"""

from __future__ import annotations

import ast
import importlib
import json
import pkgutil
import random
import re
import subprocess
import sys
from pathlib import Path

import pytest

import mcpiam
from mcpiam.cli.main import main
from mcpiam.core.lazy_pattern import LazyPattern
from mcpiam.model import accounts
from mcpiam.model import suppressions
from mcpiam.parse import sniff
from mcpiam.secrets import generic, locate
from mcpiam.secrets.backtracking import backtracking_risk
from mcpiam.secrets.families import FamilyFileError, load_families

PACKAGE = Path(mcpiam.__file__).parent

# Only these methods try a pattern at one position; anything else (search, finditer, findall,
# sub, split, or a pattern handed on) tries it at every position.
ANCHORED_METHODS = {"match", "fullmatch"}
# Patterns used through a name the source scan cannot follow, with how they are used.
USED_ANCHORED = {
    "mcpiam.model.package_refs.PYPI_NAME": "handed to _registry_name, which calls .match",
}
# Patterns the analysis flags that are linear all the same, each with the reason (reviewed).
LINEAR_ALL_THE_SAME = {
    "mcpiam.secrets.generic.KEY_WORD": (
        "findall: where the first alternative fails after a run of capitals, the third ([A-Z]+) "
        "matches that whole run, so the search never restarts inside it"),
    "mcpiam.secrets.text_search._TOML_INLINE_PARENT": (
        "findall over one line's text before a token, cut at text_search._KEY_WINDOW (512) "
        "characters: bounded per token whatever the file"),
    "mcpiam.parse.common._QUOTED_RUN": (
        "sub: an attempt from a quote fails only when no like quote follows on the line, which "
        "is true of at most the last quote of each kind per line"),
}


def _module_patterns() -> dict[str, re.Pattern[str]]:
    found: dict[str, re.Pattern[str]] = {}
    seen: set[tuple[str, int]] = set()
    for info in sorted(pkgutil.walk_packages([str(PACKAGE)], "mcpiam."), key=lambda i: i.name):
        if info.name.endswith("__main__"):
            continue  # runs the command line
        module = importlib.import_module(info.name)
        for name, value in vars(module).items():
            if isinstance(value, LazyPattern):  # module-level patterns compile on first use
                value = value.compiled
            if isinstance(value, re.Pattern) and isinstance(value.pattern, str):
                if (value.pattern, value.flags) not in seen:  # imported names count once
                    seen.add((value.pattern, value.flags))
                    found[f"{info.name}.{name}"] = value
    return found


MODULE_PATTERNS = _module_patterns()
SOURCE = "\n".join(path.read_text(encoding="utf-8") for path in sorted(PACKAGE.rglob("*.py")))


def _searched(qualified: str) -> bool:
    if qualified in USED_ANCHORED:
        return False
    name = qualified.rsplit(".", 1)[1]
    methods = set(re.findall(rf"\b{re.escape(name)}\.(\w+)\(", SOURCE))
    return not methods or not methods <= ANCHORED_METHODS


def test_the_walk_finds_the_package_patterns() -> None:
    assert "mcpiam.secrets.locate.KEY_VALUE" in MODULE_PATTERNS
    assert "mcpiam.model.accounts.ADO_USER" in MODULE_PATTERNS
    assert len(MODULE_PATTERNS) > 80


@pytest.mark.parametrize("qualified", sorted(MODULE_PATTERNS))
def test_every_module_pattern_is_linear(qualified: str) -> None:
    pattern = MODULE_PATTERNS[qualified]
    risk = backtracking_risk(pattern.pattern, pattern.flags, searched=_searched(qualified))
    if qualified in LINEAR_ALL_THE_SAME:
        assert risk is not None, f"{qualified} now passes: take it out of LINEAR_ALL_THE_SAME"
    else:
        assert risk is None, f"{qualified}: {risk}"


def test_the_exemptions_name_existing_patterns() -> None:
    assert set(LINEAR_ALL_THE_SAME) | set(USED_ANCHORED) <= set(MODULE_PATTERNS)


# Patterns written inline, ``re.match(r"...", text)``: (module path, call, pattern, flags).
# A ``re.compile`` inside a function counts as searched (how its result is used is not followed);
# module-level ones are the MODULE_PATTERNS above.
RE_FUNCTIONS = {"match", "fullmatch", "search", "findall", "finditer", "sub", "subn", "split",
                "compile"}
MODULE_LEVEL = {(p.pattern, p.flags) for p in MODULE_PATTERNS.values()}
# text_search reads the key before a token only inside a bounded window of its line.
WINDOWED = ("searched only between _window_start and one token: at most text_search._KEY_WINDOW "
            "(512) characters of one line, so even a quadratic search is bounded per token")
INLINE_LINEAR_ALL_THE_SAME = {
    ("secrets/text_search.py", r'(?:^|[\s{,])("[^"\n]*"|\'[^\'\n]*\'|[^\s{},\[\]"\'#][^\n:{},\[\]#]*?)\s*:\s+["\']?$'): (
        WINDOWED),
    ("secrets/text_search.py", r'(?:^|[\s{,.])([A-Za-z0-9_-]+|"[^"\n]*"|\'[^\'\n]*\')\s*=\s*["\']?$'): (
        WINDOWED),
    ("secrets/text_search.py", r'^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*["\']?$'): (
        WINDOWED),
    ("report/sarif.py", r"\n\s*\n"): (
        "splits mcpiam's own rule docs, not input; and an attempt starts only at a newline and "
        "fails only when the spaces after it hold no other newline, so each run is read once"),
}


def _flags(node: ast.expr | None) -> int:
    if node is None:
        return 0
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "re":
        return int(getattr(re, node.attr))
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        return _flags(node.left) | _flags(node.right)
    raise AssertionError(f"flags this test cannot read: {ast.dump(node)}")


def _inline_patterns() -> list[tuple[str, str, str, int]]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and isinstance(node.func.value, ast.Name) and node.func.value.id == "re"
                    and node.func.attr in RE_FUNCTIONS and node.args
                    and isinstance(node.args[0], ast.Constant)
                    and isinstance(node.args[0].value, str)):
                continue
            keyword = next((k.value for k in node.keywords if k.arg == "flags"), None)
            position = {"sub": 4, "subn": 4, "split": 3, "compile": 1}.get(node.func.attr, 2)
            flags = _flags(node.args[position] if len(node.args) > position else keyword)
            if node.func.attr == "compile" and (node.args[0].value, flags | re.UNICODE) in MODULE_LEVEL:
                continue
            found.append((path.relative_to(PACKAGE).as_posix(), node.func.attr, node.args[0].value,
                          flags))
    return found


INLINE_PATTERNS = _inline_patterns()


def test_the_walk_finds_the_inline_patterns() -> None:
    assert len(INLINE_PATTERNS) > 20
    assert any(p[0] == "discover/gitfiles.py" and p[2].startswith("gitdir:") for p in INLINE_PATTERNS)


@pytest.mark.parametrize("where, call, pattern, flags", INLINE_PATTERNS,
                         ids=[f"{p[0]}:{p[1]}:{p[2][:30]}" for p in INLINE_PATTERNS])
def test_every_inline_pattern_is_linear(where: str, call: str, pattern: str, flags: int) -> None:
    risk = backtracking_risk(pattern, flags, searched=call not in ANCHORED_METHODS)
    if (where, pattern) in INLINE_LINEAR_ALL_THE_SAME:
        assert risk is not None, f"{where} {pattern!r} now passes: take it out of the exemptions"
    else:
        assert risk is None, f"{where} re.{call}({pattern!r}): {risk}"


def test_every_token_family_is_linear() -> None:
    families = load_families(check_examples=False)
    assert len(families) > 100
    risky = {family.id: str(risk) for family in families
             if (risk := backtracking_risk(family.regex)) is not None}
    assert risky == {}


# --- the patterns that were quadratic -------------------------------------------------------------

# (name, the old pattern, its flags, how it is used, the pattern that replaced it)
REPLACED = [
    ("locate.AUTH_SCHEME",
     r"^\s*(Bearer|Basic|Token|token|Bot|ApiKey|Api-Key|Key|Digest)\s+(\S.*?)\s*$", 0, "match",
     locate.AUTH_SCHEME),
    ("locate.HEADER_LINE", r"^\s*([A-Za-z0-9][A-Za-z0-9_-]{0,63})\s*:\s*(\S.*?)\s*$", 0, "match",
     locate.HEADER_LINE),
    ("locate.KEY_VALUE", r"^\s*(--?)?([A-Za-z_][A-Za-z0-9_.-]{0,63})=(.+?)\s*$", re.DOTALL,
     "match", locate.KEY_VALUE),
    ("accounts.KEY_VALUE", r"^\s*(?:--?)?([A-Za-z_][A-Za-z0-9_.-]*)=(.+?)\s*$", 0, "match",
     accounts.KEY_VALUE),
    ("accounts.ADO_USER",
     r"(?:^|;)\s*(?i:user\s*id|uid|user\s*name|user)\s*=\s*([^;]+?)\s*(?=;|$)", 0, "finditer",
     accounts.ADO_USER),
    ("generic.RANDOM_SEGMENT", r"(?=[^/\\]*[a-z])(?=[^/\\]*[A-Z])(?=[^/\\]*\d)[^/\\]{16,}", 0,
     "search", generic.RANDOM_SEGMENT),
    ("suppressions._TRAILER", r"\s*(?:\*/|-->)\s*$", 0, "sub", suppressions._TRAILER),
    ("gitfiles gitdir", r"gitdir:\s*(.+?)\s*$", re.MULTILINE, "match-nonblank",
     re.compile(r"gitdir:\s*+(\S(?:.*\S)?)\s*$", re.MULTILINE)),
    ("sniff._TOML_PAIR",
     r"""[A-Za-z0-9_\-"'][A-Za-z0-9_\-."' ]*?[ \t]*=[ \t]*(?:["'\[{0-9+\-]|true\b|false\b|inf\b|nan\b)""",
     0, "match", sniff._TOML_PAIR),
]
# Pieces the random inputs are made of: what the patterns above look for, and spaces.
PIECES = ["gitdir:", "Bearer", "Key", "Basic", "user", "uid", "user id", "X-Api", "K", "--", "=", ":", ";",
          " ", "  ", "\t", "\n", "a", "B", "7", "Ab3", "aB1cD2eF3gH4iJ5k", "/", "\\", "*/", "-->",
          '"', "'", "[", "true", "."]


def _results(pattern: re.Pattern[str], usage: str, text: str) -> object:
    if usage == "match":
        found = pattern.match(text)
        return None if found is None else (found.span(), found.groups(),
                                           [found.span(i) for i in range(pattern.groups + 1)])
    if usage == "match-nonblank":  # a blank path was nonsense; it is no longer a match
        found = pattern.match(text)
        return None if found is None or not found.group(1).strip() else (found.span(),
                                                                          found.groups())
    if usage == "finditer":  # blank values are dropped by the caller (_literal)
        return [(m.group(1), m.start(1)) for m in pattern.finditer(text) if m.group(1).strip()]
    if usage == "search":
        return pattern.search(text) is not None
    return pattern.sub("", text)


@pytest.mark.parametrize("name, old, flags, usage, new", REPLACED, ids=[r[0] for r in REPLACED])
def test_the_old_pattern_is_flagged_and_its_replacement_passes(name, old, flags, usage,
                                                               new) -> None:
    searched = usage.split("-")[0] not in ANCHORED_METHODS
    assert backtracking_risk(old, flags, searched=searched) is not None
    assert backtracking_risk(new.pattern, new.flags, searched=searched) is None


@pytest.mark.parametrize("name, old, flags, usage, new", REPLACED, ids=[r[0] for r in REPLACED])
def test_the_replacement_gives_the_same_results(name, old, flags, usage, new) -> None:
    before = re.compile(old, flags)
    rng = random.Random(name)
    for _ in range(4000):
        text = "".join(rng.choice(PIECES) for _ in range(rng.randrange(0, 9)))
        assert _results(new, usage, text) == _results(before, usage, text), repr(text)


# --- the analysis itself ---------------------------------------------------------------------------

@pytest.mark.parametrize("pattern, searched, shape", [
    (r"^(a+)+$", False, "nested quantifiers"),
    (r"^(?:x?\s+)*y", False, "nested quantifiers"),
    (r"^a+a+$", False, "overlapping quantifiers"),
    (r"^k=(.+?)\s*$", False, "overlapping quantifiers"),
    (r"^(?:ab|\w\w)+$", False, "overlapping alternatives"),
    (r"\s+x", True, "quantifier under search"),
    (r"(?=.*\d)x", True, "quantifier under search"),
    (r"(?:ab)*$", True, "quantifier under search"),
])
def test_the_analysis_flags_each_shape(pattern: str, searched: bool, shape: str) -> None:
    risk = backtracking_risk(pattern, searched=searched)
    assert risk is not None and risk.shape == shape
    assert risk.describe().startswith(shape + ": ")  # a message that points at the parts


@pytest.mark.parametrize("pattern, searched", [
    (r"^a+b$", False),
    (r"^a*+a+$", False),  # possessive: gives nothing back
    (r"^(?>a*)a+$", False),  # atomic
    (r"^[a-z0-9-]+(?:\.[a-z0-9-]+)*$", False),  # a dot starts each repetition
    (r"^\s*([A-Za-z0-9][A-Za-z0-9_-]{0,63})\s*:\s*(\S(?:.*\S)?)\s*$", False),
    (r"^(?:ab|a[bc])+$", False),  # re merges the alternatives into a[bc]
    (r"^a+$", True),  # nothing after the run can fail
    (r"^(?:\w|\d)+$", False),  # re makes one character class of the alternation
    (r"(?<![A-Za-z0-9])ghp_[A-Za-z0-9]{36,}(?![A-Za-z0-9])", True),
    (r"\b[A-Za-z0-9]{40,}\b", True),  # \b cannot hold inside a run of word characters
    (r"^[ ]*\t", True),  # MULTILINE off: ^ holds once
])
def test_the_analysis_passes_linear_shapes(pattern: str, searched: bool) -> None:
    assert backtracking_risk(pattern, searched=searched) is None


def test_a_pattern_too_deep_to_analyse_is_refused_not_a_crash() -> None:
    risk = backtracking_risk("(?:" * 3000 + "a" + ")" * 3000)
    assert risk is not None and risk.describe() == "too deeply nested to analyse"


def test_a_user_family_nested_too_deeply_is_refused_not_a_crash(tmp_path) -> None:
    (tmp_path / "rules").mkdir()
    deep = "(?:" * 3000 + "acmetok_" + ")" * 3000
    (tmp_path / "rules" / "acme.yaml").write_text(
        SLOW_FAMILY.replace("(?<![a-z0-9_])acmetok_(?:[a-z0-9]+)+_x(?![a-z0-9])", deep),
        encoding="utf-8")
    with pytest.raises(FamilyFileError) as caught:
        load_families([tmp_path / "rules"])
    assert caught.value.field == "families[0].pattern"


def test_a_multiline_caret_holds_only_after_a_newline() -> None:
    assert backtracking_risk(r"^[ ]*\t", re.MULTILINE) is None
    assert backtracking_risk(r"(?m)^[A-Za-z-]+:.*$") is None


# --- a user's families -----------------------------------------------------------------------------

SLOW_FAMILY = """\
provider: acme
families:
  - id: acme-nested
    provider: acme
    name: Acme nested token
    pattern: '(?<![a-z0-9_])acmetok_(?:[a-z0-9]+)+_x(?![a-z0-9])'
    grants: admin
    lifetime: no-expiry
    severity: high
    description: A token whose pattern backtracks exponentially.
    remediation: Rotate it and keep it in the vault, referenced from the config.
    references:
      - https://wiki.acme.example/tokens
    examples:
      positive:
        - 'acmetok_{lower_alnum:32}_x'
      negative:
        - 'acmetok_{lower_alnum:8}'
"""


def test_a_user_family_that_backtracks_is_refused_naming_file_line_and_field(tmp_path) -> None:
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "acme.yaml").write_text(SLOW_FAMILY, encoding="utf-8")
    with pytest.raises(FamilyFileError) as caught:
        load_families([tmp_path / "rules"])
    error = caught.value
    assert (error.path.name, error.line, error.field) == ("acme.yaml", 6, "families[0].pattern")
    assert "super-linear" in error.reason and "nested quantifiers" in error.reason
    assert "acmetok" not in str(error)  # the pattern is not echoed


def test_scan_with_such_a_family_is_a_usage_error(tmp_path, capsys) -> None:
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "acme.yaml").write_text(SLOW_FAMILY, encoding="utf-8")
    (tmp_path / "repo").mkdir()
    code = main(["scan", "--rules", str(tmp_path / "rules"), str(tmp_path / "repo")])
    err = capsys.readouterr().err
    assert code == 2
    assert "acme.yaml:6: families[0].pattern: may take super-linear time" in err
    assert "Traceback" not in err


# --- a hang guard, not a timing ----------------------------------------------------------------

RUN = 90_000  # under the 100 000-character limit of locate.split_value


def test_hostile_runs_of_spaces_finish(tmp_path: Path) -> None:
    """Values that made the old patterns take minutes. Failure here means a hang, nothing finer:
    the timeout is many times what a linear scan needs on a loaded machine."""
    spaces = " " * RUN
    env = {"K_PAIR": f"K=a{spaces}b", "HEADER": f"X-Api: a{spaces}b", "AUTH": f"Bearer a{spaces}b",
           "DSN": f"Server=x;User Id=a{spaces}b;", "USER_SETTING": f"DB_USER=a{spaces}b",
           "SOME_PATH": "/" + "A" * RUN, "DOTTED": "--k=" + "a" * 10 + spaces + "\n"}
    (tmp_path / ".cursor").mkdir()
    (tmp_path / ".cursor" / "mcp.json").write_text(json.dumps(
        {"mcpServers": {"db": {"command": "db-mcp", "args": [f"--token=x{spaces}y"], "env": env}}}),
        encoding="utf-8")
    (tmp_path / "mcp.toml").write_text("a" + spaces + "x\n", encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "mcpiam", "scan", "-f", "json", str(tmp_path)],
                            capture_output=True, text=True, timeout=240)
    assert result.returncode in (0, 1), result.stderr[-2000:]
