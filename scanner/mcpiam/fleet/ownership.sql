-- Ownership coverage by host: of the servers the missing-owner rule judges, how many have an
-- owner. owned is NULL when the result carries no ownership data (an older result scanned
-- without the missing-owner rule).
CREATE OR REPLACE VIEW ownership AS
SELECT
    host,
    judged_servers AS servers,
    owned_servers AS owned,
    ownership_basis AS basis,
    CASE WHEN judged_servers > 0 AND owned_servers IS NOT NULL
         THEN round(100.0 * owned_servers / judged_servers, 1) END AS percent
FROM hosts;
