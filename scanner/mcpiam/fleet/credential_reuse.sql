-- Each credential held by more than one account (user on a host), by its keyed fingerprint.
-- Fingerprints compare only when every result was made with one fingerprint key: otherwise the
-- view is empty rather than wrong.
CREATE OR REPLACE VIEW credential_reuse AS
WITH comparable AS (
    SELECT count(DISTINCT key_id) = 1 AND count(*) FILTER (WHERE key_id = '') = 0 AS ok FROM hosts
)
SELECT
    fingerprint,
    coalesce(min(family) FILTER (WHERE family <> ''), 'credential') AS family,
    coalesce(min(preview) FILTER (WHERE preview <> ''), '') AS preview,
    count(DISTINCT host) AS hosts,
    count(DISTINCT (host, "user")) AS accounts,
    count(*) AS occurrences,
    min(first_seen) AS first_seen,
    max(last_seen) AS last_seen
FROM credential_occurrences, comparable
WHERE comparable.ok
GROUP BY fingerprint
HAVING count(DISTINCT (host, "user")) >= 2;
