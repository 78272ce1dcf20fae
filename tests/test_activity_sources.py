"""sources.yaml: valid against its schema, every client a catalogue client, every reader a module."""

from __future__ import annotations

import json

import jsonschema
import yaml

from importlib import import_module

from mcpiam.activity.readers import DATABASE_READERS, NOT_READ, READERS, reader
from mcpiam.activity.sources import DATA_PATH, SCHEMA_PATH, record_sources
from mcpiam.catalogue import default_catalogue


def test_sources_match_the_schema() -> None:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    jsonschema.validate(yaml.safe_load(DATA_PATH.read_text(encoding="utf-8")), schema)
    assert set(schema["properties"]["sources"]["items"]["properties"]["reader"]["enum"]) == set(READERS)


def test_every_source_names_a_catalogue_client_and_a_reader() -> None:
    clients = {client.id for client in default_catalogue().clients}
    for source in record_sources():
        assert source.client in clients
        if source.reader in DATABASE_READERS:
            assert callable(import_module(f"mcpiam.activity.readers.{source.reader}").read_database)
        elif source.reader != NOT_READ:  # a format not read: its files are only named in a warning
            assert callable(reader(source.reader))
        for platform in ("linux", "macos", "windows"):
            assert source.patterns(platform), (source.client, source.reader, platform)


def test_every_path_variable_is_one_the_sweep_expands() -> None:
    catalogue = default_catalogue()
    for source in record_sources():
        for _, patterns in source.paths:
            for pattern in patterns:
                head = pattern.split("/", 1)[0]
                assert head == "~" or head in catalogue.path_variables, pattern
