"""Measurement: how many of other scanners' rule examples mcpiam reports, and as which provider.

Reads the rule files of a peer scanner's checkout given on the command line (Nosey Parker's
``crates/noseyparker/data/default/builtin/rules``, Kingfisher's ``data/rules``: YAML files with
``rules: [{id, name, pattern, examples, negative_examples}]``; nothing of theirs is in this
repository), plants every example into an MCP config (as an env value under ``<PROVIDER>_TOKEN`` and
as a bare argument of one server), runs ``mcpiam scan -f json`` once over them and prints, per peer:
positives reported, positives attributed to the right provider (peer file name mapped to an
mcpiam provider, by hand below where the names differ), and negatives flagged (also counted
without the negatives that another peer rule lists as a positive). Not run in CI; no timing.

    python bench/peer_examples.py noseyparker=PATH/TO/np/rules kingfisher=PATH/TO/kf/rules
        [--capture]  plant what the peer rule's own pattern captures, not the whole example line
        [--misses]   list each rule with missed, misattributed or flagged examples (never values)
        [--env-key NAME]  plant under NAME (e.g. API_TOKEN) instead of <PROVIDER>_TOKEN: how
                          much of the attribution the value alone earns

Each peer's figures are printed twice: over all its positives, and without the positives of its
rules that find identifiers (ARNs, buckets, account and client ids, tenant host names, user
names; Kingfisher's ``visible: false`` rules), which mcpiam deliberately does not report. What
else is left unreported on purpose (placeholders, counting sequences, undecodable JWTs and PEM
blocks) is in docs/performance.md, "Other scanners' rule examples".
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from collections import Counter, defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
if str(REPO / "scanner") not in sys.path:  # a fresh clone: the package itself
    sys.path.insert(0, str(REPO / "scanner"))

from mcpiam.secrets.families import load_families  # noqa: E402
from mcpiam.secrets.providers import provider_catalogue  # noqa: E402

# A peer rule file's name (without .yml) -> mcpiam provider, where the two differ. Every other
# name is taken as the provider id itself; "generic" covers peers' cross-vendor rules.
PROVIDER_OF_PEER_FILE: Mapping[str, str] = {
    "azuredevops": "azure-devops", "azurestorage": "azure", "azureopenai": "azure",
    "azuresearchquery": "azure", "gcp": "google", "googleoauth2": "google", "dockerhub": "docker",
    "postgres": "postgresql", "asanaoauth": "asana", "jira": "atlassian", "confluence": "atlassian",
    "bitbucket": "atlassian", "pagerdutyapikey": "pagerduty", "microsoft_teams": "microsoft-teams",
    "microsoftteamswebhook": "microsoft-teams", "fly": "flyio", "onepassword": "1password",
    "vault": "hashicorp", "terraform": "hashicorp", "rabbitmq": "amqp", "sonarcloud": "sonarqube",
    "new_relic": "newrelic", "mongo": "mongodb", "braintree": "paypal", "langsmith": "langchain",
    "weightsandbiases": "wandb", "x.ai": "xai", "crates.io": "crates-io", "frame.io": "frameio",
    "artifactory": "jfrog", "adafruitio": "adafruit", "dependency_track": "dependency-track",
    "twitchaccesstoken": "twitch", "github_enterprise": "github", "sendinblue": "brevo",
    "particleio": "particle", "alibabacloud": "alibaba", "box.com": "box", "squareup": "square",
    "iexapis": "iexcloud", "nvapi": "nvidia", "linenotify": "line", "mailjetbasicauth": "mailjet",
    "mailjetsms": "mailjet", "restpackhtmltopdfapi": "restpack", "restpackscreenshotapi": "restpack",
    "terraformcloud": "hashicorp", "telegrambottoken": "telegram", "particle.io": "particle",
    "vagrantcloud": "hashicorp", "supernotesapi": "supernotes", "zenkitapi": "zenkit",
    "zohocrm": "zoho", "closecrm": "close", "gitalk": "github",  # Gitalk keys: GitHub OAuth app
    **dict.fromkeys(("teamworkcrm", "teamworkdesk", "teamworkspaces"), "teamwork"),  # one vendor
    **dict.fromkeys(("pem", "privkey", "jwt", "credentials", "generic", "netrc", "hashes", "odbc",
                     "ftp", "psexec", "django", "react", "gradle", "http"), "generic"),
}
# Products a peer files under their vendor, whose own provider id mcpiam uses: naming the product
# is naming the vendor (Nosey Parker's azure.yml holds Azure DevOps PATs, newrelic.yml Pixie keys).
PRODUCTS_OF_PROVIDER: Mapping[str, frozenset[str]] = {
    "azure": frozenset({"azure-devops"}), "newrelic": frozenset({"pixie"}),
}
SERVERS_PER_FILE = 150  # keeps each planted config small enough to read like a real one
# Characters that separate a secret from its context (a key, a quote, a call); none is in a token.
TOKEN_BREAK = re.compile(r"""[\s"'=:,;()<>]""")


@dataclass(frozen=True, slots=True)
class Case:
    """One peer example, planted as one MCP server."""

    peer: str
    rule_id: str
    provider: str
    positive: bool
    value: str
    identifier: bool = False  # the peer rule finds a name or address, not a secret (see above)


@dataclass(frozen=True, slots=True)
class Score:
    peer: str
    positives: int
    reported: int
    right_provider: int
    negatives: int
    flagged: int
    pure_negatives: int  # negatives no peer rule lists as a positive
    pure_flagged: int
    # Of the positives, those of rules that find identifiers (IDENTIFIER_RULE_NAME, hidden rules)
    identifiers: int = 0
    identifiers_reported: int = 0
    identifiers_right_provider: int = 0

    def line(self) -> str:
        def share(part: int, whole: int) -> str:
            return f"{part}/{whole} ({100 * part / whole:.1f} %)" if whole else "0/0"

        secrets = self.positives - self.identifiers
        return (f"{self.peer:12} positives reported {share(self.reported, self.positives)}, "
                f"right provider {share(self.right_provider, self.positives)}; negatives flagged "
                f"{share(self.flagged, self.negatives)}, of those no rule calls positive "
                f"{share(self.pure_flagged, self.pure_negatives)}\n{'':12} without the "
                f"{self.identifiers} identifier examples: reported "
                f"{share(self.reported - self.identifiers_reported, secrets)}, right provider "
                f"{share(self.right_provider - self.identifiers_right_provider, secrets)}")


# Peer rules that find a name or an address, not a secret: ARNs, bucket names, account ids, client
# ids, user names, a tenant's host name. Peers find them to validate the secret beside them
# (Kingfisher marks such rules ``visible: false``); mcpiam deliberately reports none of them,
# because an identifier alone grants nothing and a finding for it would be noise. Both figures
# are printed: over all positives, and over the positives of the other rules.
IDENTIFIER_RULE_NAME = re.compile(
    r"(?:Client ID|Domain|Host|Instance URL|Search URL|User ?name|Bucket|Account ID|"
    r"Account Identifier|Resource Name|Org(?:anization)? (?:Name|ID)|App(?:lication)? ID|"
    r"Product ID|Bot ID|Email|Storage Account Name|PUBLIC Key)$", re.IGNORECASE)


def finds_identifier(rule: Mapping[str, object]) -> bool:
    return rule.get("visible") is False or bool(IDENTIFIER_RULE_NAME.search(str(rule.get("name", ""))))


# What a peer file's name may end in besides the vendor (sentrytoken, shodankey, twitter_v2).
PEER_FILE_SUFFIX = re.compile(r"(?:_v\d+)$|(?:apikey|accesstoken|bottoken|token|key|license)$")


def peer_provider(rule_file: Path) -> str:
    """The mcpiam provider a peer rule file is about: mapped by hand, else its name, else its name
    without a credential suffix when that is a provider the catalogue knows."""
    stem = rule_file.name.removesuffix(".yml").removesuffix(".yaml").lower()
    if stem in PROVIDER_OF_PEER_FILE:
        return PROVIDER_OF_PEER_FILE[stem]
    known = {provider.id for provider in provider_catalogue().providers}
    shorter = stem
    while shorter not in known and PEER_FILE_SUFFIX.search(shorter):
        shorter = PEER_FILE_SUFFIX.sub("", shorter)
    return shorter if shorter in known else stem


def captured(pattern: str, example: str) -> str:
    """The secret the peer pattern finds in its example, else the whole example.

    That is the whole match when it is one token (peers often capture only the body after a
    prefix such as ``sl.``), otherwise the longest captured group (the value after ``key =``).
    """
    try:
        found = re.search(pattern, example)
    except re.error:  # a Rust-only construct: keep the whole example
        return example
    if found is None:
        return example
    groups = [group for group in found.groups() if group]
    if not groups or not TOKEN_BREAK.search(found.group(0).strip()):
        return found.group(0).strip()
    return max(groups, key=len)


def peer_cases(peer: str, rules_dir: Path, *, capture: bool) -> Iterator[Case]:
    for rule_file in sorted([*rules_dir.glob("*.yml"), *rules_dir.glob("*.yaml")]):
        document = yaml.safe_load(rule_file.read_text(encoding="utf-8")) or {}
        for rule in document.get("rules") or ():
            for positive, field in ((True, "examples"), (False, "negative_examples")):
                for example in rule.get(field) or ():
                    if isinstance(example, str):
                        pattern = rule.get("pattern") or ""
                        value = captured(pattern, example) if capture else example
                        provider = peer_provider(rule_file)
                        yield Case(peer, str(rule.get("id")), provider, positive, value,
                                   identifier=finds_identifier(rule))


def env_key(provider: str) -> str:
    return re.sub(r"[^A-Z0-9]+", "_", provider.upper()).strip("_") + "_TOKEN"


def plant(cases: Sequence[Case], root: Path, fixed_key: str = "") -> None:
    """Each case is server e<index>: the value as an env value and as a bare argument."""
    for start in range(0, len(cases), SERVERS_PER_FILE):
        servers = {
            f"e{index}": {"command": "npx", "args": ["-y", "example-mcp@1.0.0", case.value],
                          "env": {fixed_key or env_key(case.provider): case.value}}
            for index, case in enumerate(cases[start:start + SERVERS_PER_FILE], start)
        }
        folder = root / f"batch{start}"
        folder.mkdir()
        config = json.dumps({"mcpServers": servers}, indent=1)
        (folder / ".mcp.json").write_text(config, encoding="utf-8")


def scan(root: Path) -> dict[int, frozenset[str]]:
    """Providers of the embedded-secret findings of each planted server."""
    provider_of_family = {family.id: family.provider for family in load_families()}
    search_path = os.pathsep.join([str(REPO / "scanner"), os.environ.get("PYTHONPATH", "")])
    command = [sys.executable, "-m", "mcpiam", "scan", "-f", "json", "--exit-zero",
               "--select", "embedded-secret", str(root)]
    done = subprocess.run(command, capture_output=True, text=True, check=True,
                          env={**os.environ, "PYTHONPATH": search_path})
    found: defaultdict[int, set[str]] = defaultdict(set)
    for finding in json.loads(done.stdout)["findings"]:
        server = re.match(r"/mcpServers/e(\d+)/", finding["route"])
        if server:
            properties = finding["properties"]
            provider = properties.get("provider") or provider_of_family.get(properties.get("family"))
            found[int(server.group(1))].add(provider or "generic")
    return {index: frozenset(providers) for index, providers in found.items()}


def score(peer: str, cases: Sequence[Case], found: Mapping[int, frozenset[str]]) -> Score:
    positives = {case.value for case in cases if case.positive}
    mine = [(index, case) for index, case in enumerate(cases) if case.peer == peer]
    negatives = [(index, case) for index, case in mine if not case.positive]
    pure = [(index, case) for index, case in negatives if case.value not in positives]
    return Score(
        peer=peer,
        positives=sum(case.positive for _, case in mine),
        reported=sum(case.positive and bool(found.get(index)) for index, case in mine),
        right_provider=sum(case.positive and right_provider(case, found.get(index, frozenset()))
                           for index, case in mine),
        negatives=len(negatives),
        flagged=sum(bool(found.get(index)) for index, _ in negatives),
        pure_negatives=len(pure),
        pure_flagged=sum(bool(found.get(index)) for index, _ in pure),
        identifiers=sum(case.positive and case.identifier for _, case in mine),
        identifiers_reported=sum(case.positive and case.identifier and bool(found.get(index))
                                 for index, case in mine),
        identifiers_right_provider=sum(
            case.positive and case.identifier
            and right_provider(case, found.get(index, frozenset())) for index, case in mine),
    )


def right_provider(case: Case, providers: frozenset[str]) -> bool:
    return case.provider in providers or bool(providers & PRODUCTS_OF_PROVIDER.get(case.provider, frozenset()))


def misses(cases: Sequence[Case], found: Mapping[int, frozenset[str]]) -> list[str]:
    """A line per peer rule with a missed, misattributed or flagged example; never a value."""
    tally: defaultdict[tuple[str, str, str], Counter[str]] = defaultdict(Counter)
    for index, case in enumerate(cases):
        providers = found.get(index, frozenset())
        if case.positive and not providers:
            outcome = "missed"
        elif case.positive and not right_provider(case, providers):
            outcome = "as " + "+".join(sorted(providers))
        elif not case.positive and providers:
            outcome = "negative flagged as " + "+".join(sorted(providers))
        else:
            continue
        tally[(case.peer, case.rule_id, case.provider)][outcome] += 1
    return [f"{peer} {rule} [{provider}]: "
            + ", ".join(f"{count} {outcome}" for outcome, count in sorted(outcomes.items()))
            for (peer, rule, provider), outcomes in sorted(tally.items())]


def measure(peers: Mapping[str, Path], *, capture: bool,
            fixed_key: str = "") -> tuple[list[Score], list[str]]:
    cases = [case for peer, rules_dir in peers.items()
             for case in peer_cases(peer, rules_dir, capture=capture)]
    with tempfile.TemporaryDirectory(prefix="mcpiam-peers-") as tmp:
        plant(cases, Path(tmp), fixed_key)
        found = scan(Path(tmp))
    return [score(peer, cases, found) for peer in peers], misses(cases, found)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rules", nargs="+", metavar="[LABEL=]RULES_DIR",
                        help="a peer checkout's folder of rule files (*.yml)")
    parser.add_argument("--capture", action="store_true",
                        help="plant each rule's captured secret only")
    parser.add_argument("--env-key", default="", metavar="NAME",
                        help="plant every value under this env key, not <PROVIDER>_TOKEN")
    parser.add_argument("--misses", action="store_true",
                        help="list the rules behind each shortfall")
    args = parser.parse_args(argv)
    peers = {}
    for given in args.rules:
        label, _, path = given.rpartition("=")
        rules_dir = Path(path)
        if not rules_dir.is_dir():
            parser.error(f"{rules_dir}: not a folder of rule files")
        peers[label or rules_dir.name] = rules_dir
    scores, missed = measure(peers, capture=args.capture, fixed_key=args.env_key)
    for row in scores:
        print(row.line())
    if args.misses:
        print(*missed, sep="\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
