-- What appeared and what went away, one row per change, with when: 'new' rows are everything
-- the database holds, at the time it was first seen; 'fixed' rows are what a newer result of its
-- host no longer had, at that result's time. Filter on changed_at for a week's changes.
CREATE OR REPLACE VIEW changes AS
SELECT 'new' AS change, 'host' AS kind, host, "user", host AS identity, platform AS detail,
       NULL AS path, NULL AS route, first_seen AS changed_at
FROM hosts
UNION ALL
SELECT 'new', 'server', host, "user", identity, server, path, route, first_seen
FROM servers WHERE NOT reference_only
UNION ALL
SELECT 'new', 'credential', host, "user", fingerprint, family, path, route, first_seen
FROM credential_occurrences
UNION ALL
SELECT 'new', 'finding', host, "user", rule_id, fingerprint, path, route, first_seen
FROM findings
UNION ALL
SELECT 'fixed', kind, host, "user", identity, detail, path, route, resolved_at
FROM resolved;
