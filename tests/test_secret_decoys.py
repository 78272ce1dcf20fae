"""References and placeholders are never embedded secrets: generated decoys and the shared corpus.

Decoys are written where a real secret would be reported (env values, headers, arguments,
name-valued fields) in the syntax the file's client expands. A control swaps each decoy for a
real-looking token at the same position and expects a finding there, so the decoy test cannot
pass by reading nothing. The shared corpus of published configs (read in place) must give no
embedded-secret at all, and every reference-looking value in it is checked by name.
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

import pytest

from corpus_location import CORPUS_MISSING

from mcpiam.catalogue import default_catalogue, union_expands, union_name_fields
from mcpiam.core.document import Scalar, walk
from mcpiam.engine.scan import ScanSettings, scan_paths
from mcpiam.model.extract import extract_servers, recognise_by_content
from mcpiam.model.servers import ConfigFile, Scope
from mcpiam.parse import FORMATS, parse_file, sniff_format
from mcpiam.secrets.detect import find_credentials
from mcpiam.secrets.families import expand_example, load_families, match_value
from secret_corpus import Corpus, Decoy, build_corpus

SETTINGS = ScanSettings(select=("embedded-secret",))
KINDS_OF_DECOY = {"reference", "secret-manager", "placeholder", "doc-example", "repeated",
                  "env-var-name", "copilot-secret-name", "registry-placeholder", "mcpb-variable"}


@pytest.fixture(scope="module")
def decoys(tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    return build_corpus(tmp_path_factory.mktemp("decoys"), families=())


def test_there_are_at_least_forty_decoys_of_every_kind(decoys: Corpus) -> None:
    distinct = {(d.kind, d.text) for d in decoys.decoys}
    assert len(distinct) >= 40
    assert {d.kind for d in decoys.decoys} == KINDS_OF_DECOY
    assert decoys.plants == ()


def test_no_decoy_is_reported(decoys: Corpus) -> None:
    result = scan_paths([decoys.root], SETTINGS, root=decoys.root)
    reported = [f"{f.location.path}:{f.location.span.start_line}:{f.location.span.start_column} "
                f"{dict(f.properties).get('family')}" for f in result.findings]
    assert reported == []
    # Every file holding decoys was read as a config with servers (the test is not vacuous).
    read = {c.path: len(c.servers) for c in result.configs}
    assert all(read.get(d.position.path, 0) > 0 for d in decoys.decoys), read


def _swapped(decoys: Corpus, token: str) -> list[Decoy]:
    """Each decoy replaced in its file by ``token`` (same start); the decoys that were swapped."""
    by_path: dict[str, list[Decoy]] = defaultdict(list)
    for decoy in decoys.decoys:
        if decoy.position.line == decoy.position.end_line:
            by_path[decoy.position.path].append(decoy)
    swapped = []
    for path, items in by_path.items():
        file = decoys.root / path
        lines = file.read_text(encoding="utf-8").split("\n")
        for decoy in sorted(items, key=lambda d: -d.position.column):
            p = decoy.position
            line = lines[p.line - 1]
            assert line[p.column - 1:p.end_column - 1] == decoy.text, decoy.describe()
            lines[p.line - 1] = line[:p.column - 1] + token + line[p.end_column - 1:]
            swapped.append(decoy)
        file.write_text("\n".join(lines), encoding="utf-8")
    return swapped


def test_a_real_token_in_each_decoy_place_is_reported(tmp_path: Path) -> None:
    corpus = build_corpus(tmp_path, families=())
    swapped = _swapped(corpus, expand_example("ghp_{github_crc:30}"))
    result = scan_paths([tmp_path], SETTINGS, root=tmp_path)
    found = {(f.location.path, f.location.span.start_line, f.location.span.start_column)
             for f in result.findings}
    missed = [d.describe() for d in swapped
              if (d.position.path, d.position.line, d.position.column) not in found]
    assert len(swapped) >= 40
    assert missed == []


# --- the shared corpus ------------------------------------------------------------------------------

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
CATALOGUE = default_catalogue()
# Genuine-looking literal tokens in the shared corpus, by file: none. Every credential-shaped value
# there is a reference or a placeholder; test_the_corpus_holds_no_token_of_any_family keeps it so,
# and a token added to the corpus must be listed here with the reason it may be reported.
GENUINE_LITERALS: dict[str, str] = {}
# What a reference or placeholder looks like, written independently of the scanner's own rules.
REFERENCE_LOOKING = re.compile(
    r"\$\{[^}]+\}|\$\(|\$[A-Za-z_]|%[A-Za-z_]+%|\{env:|\{file:|\{\{|\{[a-z_]+\}|<[^<>]+>|"
    r"your|xxxx|EXAMPLE|\.\.\.|changeme|^[A-Z][A-Z0-9_]{3,}$|COPILOT_MCP_|"
    r"^(?:op|vault|aws-secretsmanager|gcp-secretmanager)://",
    re.IGNORECASE,
)


def _corpus_configs() -> list[ConfigFile]:
    import test_corpus_conformance as conformance  # its folder -> catalogue kind mapping

    configs = []
    for name in conformance.corpus_files():
        path = CORPUS / name
        kind_id = conformance.FILE_KINDS.get(name, conformance.FOLDER_KINDS.get(name.split("/", 1)[0]))
        kind = CATALOGUE.file_kind(kind_id) if kind_id else None
        if kind is not None and kind.format in FORMATS:
            document = parse_file(path, kind.format)
        else:
            fmt = sniff_format(path.name, path.read_bytes()[:4096])
            if fmt not in FORMATS:
                continue  # crushrc, install URLs: not structured
            document = parse_file(path, fmt)
            kind = kind or recognise_by_content(document, CATALOGUE) or CATALOGUE.file_kind("unknown-mcp-config")
        servers = extract_servers(document, kind, CATALOGUE) if document.roots else ()
        configs.append(ConfigFile(name, str(path), kind.client, kind.id, Scope.PROJECT, document,
                                  servers, "path", union_expands((kind,)),
                                  name_fields=union_name_fields((kind,))))
    return configs


needs_corpus = pytest.mark.skipif(not CORPUS.is_dir(), reason=CORPUS_MISSING)


@needs_corpus
def test_no_reference_or_placeholder_in_the_corpus_is_reported() -> None:
    configs = _corpus_configs()
    credentials, _ = find_credentials(configs, load_families(), CATALOGUE, b"corpus-test")
    looking = []
    for config in configs:
        for root in config.document.roots:
            for _, node in walk(root):
                if isinstance(node, Scalar) and isinstance(node.value, str) and REFERENCE_LOOKING.search(node.value):
                    looking.append((config.path, node.span))
    assert len(looking) >= 40, "the corpus should hold many references and placeholders"
    reported = [c for c in credentials if c.config.path not in GENUINE_LITERALS]
    hit = [f"{path}:{span.start_line}:{span.start_column}" for path, span in looking
           if any(c.config.path == path and c.span.start_line >= span.start_line
                  and c.span.end_line <= span.end_line for c in reported)]
    assert hit == [], "reference-looking values reported as embedded secrets"
    assert [f"{c.config.path}:{c.span.start_line}:{c.span.start_column} {c.label}" for c in reported] == []


@needs_corpus
def test_the_corpus_holds_no_token_of_any_family() -> None:
    families = load_families()
    tokens = []
    for path in sorted(CORPUS.rglob("*")):
        if not path.is_file():
            continue
        name = path.relative_to(CORPUS).as_posix()
        for number, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
            for match in match_value(families, line, None):
                if not match.rejected and name not in GENUINE_LITERALS:
                    tokens.append(f"{name}:{number} {match.family.id}")
    assert tokens == []
