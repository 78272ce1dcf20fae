"""The per-file stage: one file read, modelled, searched for credentials and judged by every rule
that looks at one file at a time; what it hands back is only what the reports and the cross-file
rules need, so the parsed document can be dropped once the file is done.

A rule that compares files (``RuleInfo.cross_file``: ``shared-credential``, ``shared-account``) runs
once in the scan's parent over what every file handed back; a rule module's ``keeps(config)`` says
which files it still needs whole (their document kept). Everything else here runs on one file and
depends on nothing but that file and the scan's settings, which is what lets ``engine.pool`` run it
in worker processes with byte-identical results.
"""

from __future__ import annotations

from collections.abc import Sequence

from mcpiam.catalogue import Catalogue
from mcpiam.checks.base import Rule, ScanInput, ScanOptions
from mcpiam.core.document import Document
from mcpiam.core.findings import Finding
from mcpiam.core.notes import Note
from mcpiam.core.valuetype import dataclass, replace
from mcpiam.model.servers import ConfigFile


@dataclass(frozen=True, slots=True)
class FileWork:
    """What every file of one scan is read and judged with: the same for all its files."""

    catalogue: Catalogue
    per_file_rules: tuple[Rule, ...]  # selected rules that judge one file at a time, in registry order
    keepers: tuple[Rule, ...]  # selected cross-file rules that say which files they need whole
    options: ScanOptions
    families: tuple = ()  # token families (mcpiam.secrets.families.TokenFamily); () when no rule reads credentials
    detect: bool = False  # a selected rule reads credentials, so they are looked for
    keep_text: bool = True  # ScanSettings.source_text: a file with findings keeps its text


@dataclass(frozen=True, slots=True)
class FileOutcome:
    """What one file leaves behind: its config (document dropped unless a rule or a suppression
    comment needs it), the notes it raised, its credentials and unexpanded references (for the
    cross-file rules and rule notes) and the findings of the per-file rules, in rule order."""

    config: ConfigFile | None
    notes: tuple[Note, ...] = ()
    credentials: tuple = ()
    unexpanded: tuple = ()
    findings: tuple[Finding, ...] = ()


def file_credentials(config: ConfigFile, work: FileWork) -> tuple[tuple, tuple]:
    """The credentials (mcpiam.secrets.detect.Credential) and unexpanded references of one
    modelled config, a file of the working tree or a file version of git history."""
    from mcpiam.secrets.detect import find_credentials

    credentials, unexpanded = find_credentials((config,), work.families, work.catalogue,
                                               work.options.fingerprint_key)
    if config.unread_text:
        # Secrets in the text of a file that did not parse or was refused as binary: the file
        # is still committed, so a token the parser never reached is still leaked.
        from mcpiam.secrets.text_search import credentials_in_text

        credentials += tuple(credentials_in_text(config, config.unread_text, work.families,
                                                 work.options.fingerprint_key, credentials))
    return credentials, unexpanded


def judge_config(config: ConfigFile, notes: Sequence[Note], work: FileWork) -> FileOutcome:
    """Credentials and per-file findings of one modelled config, and what is kept of it."""
    credentials, unexpanded = file_credentials(config, work) if work.detect else ((), ())
    scan = ScanInput(configs=(config,), options=work.options, credentials=credentials,
                     unexpanded_references=unexpanded)
    findings = tuple(finding for rule in work.per_file_rules for finding in rule.check(scan))
    kept = _kept(config, work, bool(findings or credentials))
    if kept is not config:
        # The cross-file rules and the rule notes read a credential's config (path, client, scope,
        # mode), never its document: point them at what is kept, so the document can be freed.
        credentials = tuple(replace(item, config=kept) for item in credentials)
        unexpanded = tuple(replace(item, config=kept) for item in unexpanded)
    return FileOutcome(kept, tuple(notes), credentials, unexpanded, findings)


def _kept(config: ConfigFile, work: FileWork, shown: bool) -> ConfigFile:
    """The config without its parsed document (its servers keep the nodes they point at), unless a
    suppression comment (triage reads them against the document) or a cross-file rule needs it.
    A file with findings or credentials (``shown``) keeps its text: the text report shows the
    lines its findings point at (a cross-file rule's too, at a credential), masking its secrets."""
    document = config.document
    needs_document = any("mcpiam:" in comment.text for comment in document.comments) or any(
        rule.keeps is not None and rule.keeps(config) for rule in work.keepers)
    if needs_document:
        return replace(config, unread_text=None) if config.unread_text is not None else config
    slim = Document(document.format, (), document.problems, text=document.text if shown and work.keep_text else None)
    return replace(config, document=slim, unread_text=None)
