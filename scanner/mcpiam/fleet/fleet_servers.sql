-- Each server across the fleet, grouped by what runs: its redacted URL, else its launcher and
-- package, else its name. Entries naming a server configured elsewhere are left out.
CREATE OR REPLACE VIEW fleet_servers AS
SELECT
    identity_kind AS kind,
    identity,
    count(DISTINCT host) AS hosts,
    count(DISTINCT (host, "user")) AS accounts,
    count(*) AS occurrences,
    count(owner) AS owned,
    list_sort(list_distinct(list(client))) AS clients,
    list_sort(list_distinct(list(server))) AS names,
    min(first_seen) AS first_seen,
    max(last_seen) AS last_seen
FROM servers
WHERE NOT reference_only
GROUP BY identity_kind, identity;
