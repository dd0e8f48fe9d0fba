#!/bin/bash
# First start of the walcast-postgres image: the walcast extension (prerequisite checks, slot helpers) and
# the publication walcast-gateway streams, covering all tables. Run by the entrypoint against POSTGRES_DB.
set -euo pipefail
psql -v ON_ERROR_STOP=1 -X -q -v publication="${WALCAST_PUBLICATION:-supabase_realtime}" <<'SQL'
CREATE EXTENSION IF NOT EXISTS walcast;
SELECT format('CREATE PUBLICATION %I FOR ALL TABLES', :'publication')
WHERE NOT EXISTS (SELECT 1 FROM pg_publication WHERE pubname = :'publication')
\gexec
SQL
