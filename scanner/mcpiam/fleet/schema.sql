-- The fleet database: one row per thing a sweep or scan found, every table keyed by host, so a
-- newer result of a host replaces exactly its rows. first_seen/last_seen are sweep times (the
-- host's clock, UTC); a scan result carries none, so they are NULL there. Strings passed
-- mcpiam's output gate before they were stored: no table holds a secret.
-- A new kind of record is one more table keyed by host, added here and to
-- mcpiam.fleet.database.TABLES (as the activity_* tables were).

CREATE TABLE IF NOT EXISTS hosts (
    host VARCHAR PRIMARY KEY,        -- the recorded hostname; a scan result: its file's name
    source VARCHAR,                  -- the file it was read from, as given
    kind VARCHAR,                    -- sweep | scan
    "user" VARCHAR,                  -- the account that ran the sweep
    os VARCHAR,
    platform VARCHAR,                -- the layout swept: linux | macos | windows
    tool_version VARCHAR,
    time VARCHAR,                    -- the sweep's time as written (ISO 8601), '' for a scan
    key_id VARCHAR,                  -- the fingerprint key's identifier ('' when not recorded)
    key_default BOOLEAN,             -- made with mcpiam's public built-in key
    configs INTEGER,
    findings INTEGER,
    judged_servers INTEGER,          -- servers the missing-owner rule judges
    owned_servers INTEGER,           -- NULL: the result carries no ownership data
    ownership_basis VARCHAR,         -- owner-fields | missing-owner-findings | NULL
    first_seen TIMESTAMP,
    last_seen TIMESTAMP
);

CREATE TABLE IF NOT EXISTS users (   -- the homes a sweep read: whose files the ~prefix paths are
    host VARCHAR, prefix VARCHAR, "user" VARCHAR
);

CREATE TABLE IF NOT EXISTS configs (
    host VARCHAR, "user" VARCHAR, path VARCHAR, client VARCHAR, kind VARCHAR, scope VARCHAR,
    format VARCHAR
);

CREATE TABLE IF NOT EXISTS servers (
    host VARCHAR, "user" VARCHAR, path VARCHAR, route VARCHAR, server VARCHAR, client VARCHAR,
    scope VARCHAR, transport VARCHAR, command VARCHAR, url VARCHAR, reference_only BOOLEAN,
    owner VARCHAR,                   -- NULL: no owner recorded (or an older result without the field)
    owner_kind VARCHAR,              -- policy | codeowners
    line INTEGER, "column" INTEGER,
    identity_kind VARCHAR,           -- url | package | unknown
    identity VARCHAR,                -- the redacted URL, the launcher and package, or the name
    first_seen TIMESTAMP, last_seen TIMESTAMP
);

CREATE TABLE IF NOT EXISTS credential_occurrences (
    host VARCHAR, "user" VARCHAR,
    fingerprint VARCHAR,             -- keyed HMAC: comparable across hosts with one organisation key
    family VARCHAR, preview VARCHAR, -- from the finding's own location ('' on a related location)
    with_facts BOOLEAN,
    rule_id VARCHAR,
    path VARCHAR, line INTEGER, "column" INTEGER, end_line INTEGER, end_column INTEGER, route VARCHAR,
    first_seen TIMESTAMP, last_seen TIMESTAMP
);

CREATE TABLE IF NOT EXISTS findings (
    host VARCHAR, "user" VARCHAR, rule_id VARCHAR, severity VARCHAR,
    path VARCHAR, line INTEGER, "column" INTEGER, end_line INTEGER, end_column INTEGER, route VARCHAR,
    server VARCHAR, message VARCHAR,
    fingerprint VARCHAR,             -- the finding's identity (no line numbers)
    credential VARCHAR,              -- the credential's fingerprint, when the finding is about one
    first_seen TIMESTAMP, last_seen TIMESTAMP
);

CREATE TABLE IF NOT EXISTS owners (  -- who owns how many servers on a host (from owner fields)
    host VARCHAR, owner VARCHAR, servers INTEGER
);

CREATE TABLE IF NOT EXISTS host_rules (  -- the rules each result ran
    host VARCHAR, rule_id VARCHAR
);

CREATE TABLE IF NOT EXISTS resolved (    -- rows a newer result of their host no longer has: fixed
    kind VARCHAR,                    -- server | credential | finding
    host VARCHAR, "user" VARCHAR,
    identity VARCHAR,                -- server: the package or URL; credential: its fingerprint; finding: its rule
    detail VARCHAR,                  -- server: its name; credential: its family; finding: its fingerprint
    path VARCHAR, route VARCHAR,
    first_seen TIMESTAMP, last_seen TIMESTAMP,
    resolved_at TIMESTAMP            -- the time of the result that no longer has it
);

-- Agent activity (sweeps made with --activity): what the clients' own records say was used. Names,
-- counts, times and outcomes only: no prompt, reply, argument or result text exists in a result,
-- so none can reach these rows. Times are UTC; first_call/last_call are named apart from the
-- first_seen/last_seen history of the tables above.
CREATE TABLE IF NOT EXISTS activity_windows (  -- one row per result swept with --activity
    host VARCHAR,
    window_from TIMESTAMP,           -- --since, else the first recorded call (NULL: no call recorded)
    window_to TIMESTAMP              -- the sweep's time
);

CREATE TABLE IF NOT EXISTS activity_tools (    -- per client, server and tool called on a host
    host VARCHAR, client VARCHAR,
    server VARCHAR,                  -- the config key the recorded name maps back to, else the recorded name
    tool VARCHAR, calls INTEGER, first_call TIMESTAMP, last_call TIMESTAMP,
    projects INTEGER,                -- how many projects (working folders) the calls came from
    sessions INTEGER, success INTEGER, error INTEGER, denied INTEGER
);

CREATE TABLE IF NOT EXISTS activity_servers (  -- per client and server: configured and called, or not
    host VARCHAR, client VARCHAR, server VARCHAR,
    config_file VARCHAR,             -- the first config defining it; NULL for an unknown server
    status VARCHAR,                  -- used | dormant | unknown (called, defined in no config found)
    calls INTEGER, last_call TIMESTAMP
);

-- Your directory's teams, loaded by `mcpiam fleet teams FILE` (a CSV of user,team): not keyed by
-- host, replaced whole by each load.
CREATE TABLE IF NOT EXISTS teams (
    "user" VARCHAR, team VARCHAR
);
