-- walcast extension, version 0.1.0: helpers around the walcast logical decoding output plugin.
-- The plugin itself (walcast.so) is loaded by name when a slot uses it; these functions only make it easy to
-- check the prerequisites, create the gateway's slot and look at pending changes.

\echo Use "CREATE EXTENSION walcast" to load this file. \quit

-- One row per prerequisite: does this server have what the walcast gateway needs?
CREATE FUNCTION walcast.check(publication text DEFAULT 'supabase_realtime')
RETURNS TABLE ("check" text, ok boolean, detail text)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog
AS $fn$
DECLARE
	v_wal_level text := current_setting('wal_level');
	v_max_slots int := current_setting('max_replication_slots')::int;
	v_used_slots int;
	v_max_senders int := current_setting('max_wal_senders')::int;
	v_used_senders int;
	v_pub pg_publication%ROWTYPE;
	v_tables int;
	v_no_identity text;
BEGIN
	"check" := 'wal_level';
	ok := v_wal_level = 'logical';
	detail := CASE WHEN ok THEN 'wal_level is logical'
		ELSE format('wal_level is %s; set wal_level = logical in postgresql.conf and restart the server', v_wal_level) END;
	RETURN NEXT;

	SELECT count(*) INTO v_used_slots FROM pg_replication_slots;
	"check" := 'replication_slots';
	ok := v_used_slots < v_max_slots;
	detail := CASE WHEN ok THEN format('%s of %s replication slots free', v_max_slots - v_used_slots, v_max_slots)
		ELSE format('all %s replication slots are in use; raise max_replication_slots or drop an unused slot', v_max_slots) END;
	RETURN NEXT;

	SELECT count(*) INTO v_used_senders FROM pg_stat_replication;
	"check" := 'wal_senders';
	ok := v_used_senders < v_max_senders;
	detail := CASE WHEN ok THEN format('%s of %s WAL senders free', v_max_senders - v_used_senders, v_max_senders)
		ELSE format('all %s WAL senders are in use; raise max_wal_senders', v_max_senders) END;
	RETURN NEXT;

	SELECT * INTO v_pub FROM pg_publication p WHERE p.pubname = publication;
	"check" := 'publication';
	ok := FOUND;
	detail := CASE WHEN ok THEN format('publication %I exists (publishes %s)', publication,
			concat_ws(', ', CASE WHEN v_pub.pubinsert THEN 'insert' END, CASE WHEN v_pub.pubupdate THEN 'update' END,
				CASE WHEN v_pub.pubdelete THEN 'delete' END, CASE WHEN v_pub.pubtruncate THEN 'truncate' END))
		ELSE format('publication %I does not exist; create it, e.g. CREATE PUBLICATION %I FOR ALL TABLES', publication, publication) END;
	RETURN NEXT;

	"check" := 'publication_tables';
	IF v_pub.oid IS NULL THEN
		ok := false;
		detail := format('publication %I does not exist', publication);
	ELSE
		SELECT count(*) INTO v_tables FROM pg_publication_tables t WHERE t.pubname = publication;
		ok := v_tables > 0 OR v_pub.puballtables;
		detail := CASE WHEN v_pub.puballtables THEN format('publication %I is FOR ALL TABLES (%s tables now)', publication, v_tables)
			WHEN ok THEN format('publication %I has %s tables', publication, v_tables)
			ELSE format('publication %I has no tables; add some with ALTER PUBLICATION %I ADD TABLE ...', publication, publication) END;
	END IF;
	RETURN NEXT;

	"check" := 'replica_identity';
	SELECT string_agg(format('%I.%I', t.schemaname, t.tablename), ', ' ORDER BY t.schemaname, t.tablename) INTO v_no_identity
	FROM pg_publication_tables t
	JOIN pg_namespace n ON n.nspname = t.schemaname
	JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = t.tablename
	WHERE t.pubname = publication
	  AND (c.relreplident = 'n'
		OR (c.relreplident = 'd' AND NOT EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indisprimary))
		OR (c.relreplident = 'i' AND NOT EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indisreplident)));
	ok := v_no_identity IS NULL;
	detail := CASE WHEN ok THEN 'every published table has a primary key or replica identity'
		ELSE 'UPDATE and DELETE on these tables carry no old_record (add a primary key or set REPLICA IDENTITY): ' || v_no_identity END;
	RETURN NEXT;
END
$fn$;

COMMENT ON FUNCTION walcast.check(text) IS
	'Reports, one row per prerequisite, whether the server is ready for the walcast gateway.';

-- The logical replication slot the gateway reads, using the walcast plugin.
CREATE FUNCTION walcast.create_slot(slot_name text DEFAULT 'walcast', temporary boolean DEFAULT false)
RETURNS TABLE (slot_name name, lsn pg_lsn)
LANGUAGE sql VOLATILE
SET search_path = pg_catalog
AS $fn$
	SELECT s.slot_name, s.lsn FROM pg_create_logical_replication_slot($1, 'walcast', $2) s;
$fn$;

COMMENT ON FUNCTION walcast.create_slot(text, boolean) IS
	'Creates a logical replication slot that decodes with the walcast plugin.';

CREATE FUNCTION walcast.drop_slot(slot_name text DEFAULT 'walcast')
RETURNS void
LANGUAGE sql VOLATILE
SET search_path = pg_catalog
AS $fn$
	SELECT pg_drop_replication_slot($1);
$fn$;

COMMENT ON FUNCTION walcast.drop_slot(text) IS 'Drops a replication slot (for example one made by walcast.create_slot).';

-- Pending changes as jsonb, without consuming them.
CREATE FUNCTION walcast.peek(slot_name text, publication text DEFAULT NULL, upto integer DEFAULT NULL)
RETURNS SETOF jsonb
LANGUAGE sql VOLATILE
SET search_path = pg_catalog
AS $fn$
	SELECT c.data::jsonb
	FROM pg_logical_slot_peek_changes($1, NULL, $3,
		VARIADIC CASE WHEN $2 IS NULL THEN ARRAY[]::text[] ELSE ARRAY['publication', $2] END) c;
$fn$;

COMMENT ON FUNCTION walcast.peek(text, text, integer) IS
	'Returns the pending changes of a walcast slot as jsonb rows without consuming them; upto limits the number of rows.';

-- Pending changes as jsonb, consuming them (the slot moves past them).
CREATE FUNCTION walcast.get(slot_name text, publication text DEFAULT NULL, upto integer DEFAULT NULL)
RETURNS SETOF jsonb
LANGUAGE sql VOLATILE
SET search_path = pg_catalog
AS $fn$
	SELECT c.data::jsonb
	FROM pg_logical_slot_get_changes($1, NULL, $3,
		VARIADIC CASE WHEN $2 IS NULL THEN ARRAY[]::text[] ELSE ARRAY['publication', $2] END) c;
$fn$;

COMMENT ON FUNCTION walcast.get(text, text, integer) IS
	'Returns and consumes the pending changes of a walcast slot as jsonb rows; upto limits the number of rows.';
