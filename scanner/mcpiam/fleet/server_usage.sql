-- Each server across the fleet, configured and used: what runs (as fleet_servers groups it), on how
-- many hosts it is configured, on how many of those the sweep read the agents' records (--activity),
-- and on how many it was called, with the calls, the tools called and the last call. A server
-- called but defined in no config of its host is kind 'unconfigured', named as the records name it.
-- A call maps to a configured server by host, client and config key.
CREATE OR REPLACE VIEW server_usage AS
WITH configured AS (
    SELECT DISTINCT host, client, server, identity_kind, identity FROM servers WHERE NOT reference_only
),
called AS (
    SELECT a.host, a.client, a.server, a.calls, a.last_call,
           coalesce(c.identity_kind, 'unconfigured') AS kind, coalesce(c.identity, a.server) AS identity
    FROM activity_servers a
    LEFT JOIN servers c
        ON c.host = a.host AND c.client = a.client AND c.server = a.server AND NOT c.reference_only
    WHERE a.calls > 0
    -- one definition per called server: the config the records name, else the first by path
    QUALIFY row_number() OVER (PARTITION BY a.host, a.client, a.server
                               ORDER BY c.path IS NOT DISTINCT FROM a.config_file DESC, c.path, c.route) = 1
),
tools AS (
    SELECT c.kind, c.identity, list_sort(list_distinct(list(t.tool))) AS tools
    FROM activity_tools t
    JOIN called c ON c.host = t.host AND c.client = t.client AND c.server = t.server
    GROUP BY c.kind, c.identity
),
per_server AS (
    SELECT identity_kind AS kind, identity,
           count(DISTINCT host) AS configured_hosts,
           count(DISTINCT host) FILTER (WHERE host IN (SELECT host FROM activity_windows)) AS configured_with_activity,
           0 AS used_hosts, 0 AS calls, NULL::TIMESTAMP AS last_call
    FROM configured GROUP BY identity_kind, identity
    UNION ALL
    SELECT kind, identity, 0, 0, count(DISTINCT host), sum(calls), max(last_call)
    FROM called GROUP BY kind, identity
)
SELECT p.kind, p.identity,
       sum(p.configured_hosts)::BIGINT AS configured_hosts,
       sum(p.configured_with_activity)::BIGINT AS configured_with_activity,
       sum(p.used_hosts)::BIGINT AS used_hosts,
       sum(p.calls)::BIGINT AS calls,
       max(p.last_call) AS last_call,
       coalesce(any_value(t.tools), []) AS tools
FROM per_server p LEFT JOIN tools t USING (kind, identity)
GROUP BY p.kind, p.identity;
