"""Stage 4, detect: the credentials in each server's values.

In: ``ConfigFile`` objects from the model. Out: credentials (``detect.find_credentials``) with
their family, a redacted preview and a keyed fingerprint, located by ``locate``; references the
client expands are told apart from literals by ``references``. Token families are data in the
top-level ``rules/`` folder, loaded by ``families``.
"""
