"""A line of text that labels a value in words (``acme access key V``, ``token = V``,
``export ACME_TOKEN="V"``): the value is found at its exact column, named by the provider the
label names, in every format; prose and values that do not look generated stay quiet."""

from __future__ import annotations

from pathlib import Path

import pytest

from mcpiam.engine.scan import ScanSettings, scan_paths
from mcpiam.secrets.families import expand_example_with_span
from test_checksum_lookalikes import write

SETTINGS = ScanSettings(select=("embedded-secret",))
FORMATS = ("json", "yaml", "toml")
WHERE = ("env", "arg")


def _random(template: str = "{alnum:32}", salt: str = "") -> str:
    return expand_example_with_span(template, salt)[0]


def _findings(root: Path, fmt: str, value: str, where: str, key: str = "NOTES"):
    file, text = write(root, fmt, key, value, where)
    return scan_paths([root], SETTINGS, root=root).findings, file.read_text(encoding="utf-8")


def _column_of(text: str, secret: str) -> tuple[int, int]:
    line_index = next(i for i, line in enumerate(text.splitlines()) if secret in line)
    return line_index + 1, text.splitlines()[line_index].index(secret) + 1


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("where", WHERE)
@pytest.mark.parametrize("line, provider", [
    ("clarifai access key {}", "clarifai"),  # the provider, then credential words, then the value
    ("airbrake secretKey= {}", "airbrake"),
    ("export DEBOUNCE_TOKEN={}", "debounce"),  # a name glued to its value inside the line
    ("weatherbitACCESS {}", "weatherbit"),
    ("skrapp {}", "skrappio"),  # the provider's name alone before a long generated value
    ("the api token = {}", ""),  # a credential word without a provider: reported, no provider
    ("fetch('https://api.example.com/v1/items?api_key={}')", ""),  # a URL inside the line
    ("ibm_platform_key= {}", "ibm"),  # KEY= V: the space after "=" is not part of the value
    ("detectify.accesskey={}", "detectify"),  # "accesskey" written as one word
])
def test_a_value_labelled_in_a_line_is_found_where_it_is(tmp_path: Path, fmt: str, where: str,
                                                         line: str, provider: str) -> None:
    secret = _random(salt=line)
    findings, text = _findings(tmp_path, fmt, line.format(secret), where)
    assert len(findings) == 1, findings
    [finding] = findings
    span = finding.location.span
    assert (span.start_line, span.start_column) == _column_of(text, secret)
    assert span.end_column - span.start_column == len(secret)
    assert dict(finding.properties).get("provider", "") == provider
    assert secret not in finding.message


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("line", [
    "Use the token provided by your administrator",  # words after "token" are words
    "see commit {} for the fix",  # a generated-looking value no credential word or provider labels
    "api key\n{}",  # a label that ends its line labels nothing on the next one
    "clarifai access key 1234567890",  # digits alone do not look generated
    "clarifai build {}",  # without a credential word only the name right before names a provider
    "-----BEGIN PRIVATE KEY----- {}",  # a PEM block's words are not labels
    "clarifai access key your-clarifai-api-key-here",  # a placeholder
])
def test_prose_and_unlabelled_values_stay_quiet(tmp_path: Path, fmt: str, line: str) -> None:
    findings, _ = _findings(tmp_path, fmt, line.format(_random(salt=line)), "env")
    assert findings == ()


def test_a_token_family_inside_a_line_keeps_its_family(tmp_path: Path) -> None:
    token = _random("ghp_{github_crc:30}")
    findings, _ = _findings(tmp_path, "json", f"github access key {token}", "env")
    assert [dict(f.properties)["family"] for f in findings] == ["github-classic-pat"]
