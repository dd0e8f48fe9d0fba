-- walcast extension: upgrade from 0.1.0 to 0.2.0 (ALTER EXTENSION walcast UPDATE).
-- Brings a 0.1.0 installation to exactly the definitions of walcast--0.2.0.sql:
--  - every function runs with search_path = pg_catalog, pg_temp;
--  - the walcast schema must be owned by the role running the update (0.1.0 did not check this at install);
--  - walcast.check() also reports output_plugin_libraries (where the server has it) and whether the library loads;
--  - walcast.peek() and walcast.get() return a row jsonb cannot hold as a jsonb string instead of failing after
--    the slot has moved past the batch.

\echo Use "ALTER EXTENSION walcast UPDATE TO '0.2.0'" to load this file. \quit

-- The owner of a schema can drop or replace every object in it. A role with CREATE on the database could make a
-- schema called walcast before the extension is installed and plant objects there, or later swap the helpers a
-- superuser calls; so walcast installs only into a schema the installing role owns (CREATE EXTENSION makes the
-- schema, owned by that role, when it does not exist yet).
DO LANGUAGE plpgsql $guard$
DECLARE
	v_owner oid;
BEGIN
	SELECT n.nspowner INTO v_owner FROM pg_catalog.pg_namespace n WHERE n.nspname OPERATOR(pg_catalog.=) 'walcast';
	IF v_owner OPERATOR(pg_catalog.<>) (SELECT r.oid FROM pg_catalog.pg_roles r WHERE r.rolname OPERATOR(pg_catalog.=) CURRENT_USER) THEN
		RAISE EXCEPTION USING
			ERRCODE = 'insufficient_privilege',
			MESSAGE = pg_catalog.format('schema walcast is owned by %I, not by %I, the role installing or updating walcast',
				pg_catalog.pg_get_userbyid(v_owner), CURRENT_USER),
			DETAIL = 'The owner of a schema can drop or replace every object in it, so the walcast helpers must not live in a schema another role owns.',
			HINT = 'Inspect that schema and drop or rename it before installing walcast, or have its owner install walcast.';
	END IF;
END
$guard$;

-- One row per prerequisite: does this server have what the walcast gateway needs? ok is NULL for a check the
-- calling role is not allowed to carry out; detail says why.
CREATE OR REPLACE FUNCTION walcast.check(publication text DEFAULT 'supabase_realtime')
RETURNS TABLE ("check" text, ok boolean, detail text)
LANGUAGE plpgsql VOLATILE -- LOAD, which checks the library, is not allowed in a STABLE function
SET search_path = pg_catalog, pg_temp
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
	v_plugins text;
	v_plugins_readable boolean;
	v_plugin_list text[];
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

	-- Some server builds have output_plugin_libraries, a list of the only plugins that replication roles may
	-- create slots with. Reported only where the setting exists; it is readable by superusers and members of
	-- pg_read_all_settings only.
	BEGIN
		v_plugins := current_setting('output_plugin_libraries', true);
		v_plugins_readable := true;
	EXCEPTION WHEN insufficient_privilege THEN
		v_plugins_readable := false;
	END;
	IF NOT v_plugins_readable THEN
		"check" := 'output_plugin_libraries';
		ok := NULL;
		detail := 'not checked: reading output_plugin_libraries needs superuser or membership in pg_read_all_settings';
		RETURN NEXT;
	ELSIF v_plugins IS NOT NULL THEN
		-- A list setting, shown as names separated by commas, double-quoted where needed.
		v_plugin_list := ARRAY(SELECT btrim(x, ' "') FROM regexp_split_to_table(v_plugins, ',') x
			WHERE btrim(x, ' "') <> '');
		"check" := 'output_plugin_libraries';
		ok := 'walcast' = ANY (v_plugin_list);
		detail := CASE WHEN ok THEN format('output_plugin_libraries (%s) lists walcast', v_plugins)
			ELSE format('output_plugin_libraries (%s) does not list walcast, so replication roles cannot create walcast slots; '
				'add it: ALTER SYSTEM SET output_plugin_libraries = %s; SELECT pg_reload_conf();', v_plugins,
				(SELECT string_agg(quote_ident(x), ', ') FROM unnest(v_plugin_list || 'walcast'::text) x)) END;
		RETURN NEXT;
	END IF;

	-- Whether walcast.so can be loaded at all (found, built for this server). LOAD outside $libdir/plugins is
	-- for superusers only, so for other roles this cannot be checked.
	"check" := 'library';
	BEGIN
		LOAD 'walcast';
		ok := true;
		detail := 'the walcast library loads';
	EXCEPTION
		WHEN insufficient_privilege THEN
			ok := NULL;
			detail := format('not checked: %s (run walcast.check() as a superuser)', SQLERRM);
		WHEN OTHERS THEN
			ok := false;
			detail := format('the walcast library does not load: %s; install walcast.so into the directory that pg_config --pkglibdir names', SQLERRM);
	END;
	RETURN NEXT;
END
$fn$;

COMMENT ON FUNCTION walcast.check(text) IS
	'Reports, one row per prerequisite, whether the server is ready for the walcast gateway (ok is NULL when the caller may not check it).';

ALTER FUNCTION walcast.create_slot(text, boolean) SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION walcast.drop_slot(text) SET search_path = pg_catalog, pg_temp;

-- peek and get return every row they decode. Each row is valid JSON, but jsonb is stricter than JSON: a json
-- column value holding \u0000 or an unpaired surrogate escape, a number beyond numeric's range, or (in a
-- database that is not UTF8) a \u escape the encoding cannot hold makes the ::jsonb cast fail. pg_logical_slot_
-- get_changes has moved the slot past the whole batch by then, so an ERROR there would lose it. Such a row is
-- returned as a jsonb string holding the row's text instead: jsonb_typeof(row) = 'string' tells it apart, since
-- every walcast object is a JSON object.

-- One output row as jsonb, never an ERROR: the cast runs in its own exception block (a subtransaction).
CREATE FUNCTION walcast.row_as_jsonb(data text)
RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE STRICT
SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
	RETURN data::jsonb;
EXCEPTION WHEN OTHERS THEN
	RETURN to_jsonb(data);
END
$fn$;

COMMENT ON FUNCTION walcast.row_as_jsonb(text) IS
	'One walcast output row as jsonb; a row jsonb cannot hold becomes a jsonb string of its text.';

-- Pending changes as jsonb, without consuming them.
CREATE OR REPLACE FUNCTION walcast.peek(slot_name text, publication text DEFAULT NULL, upto integer DEFAULT NULL)
RETURNS SETOF jsonb
LANGUAGE sql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $fn$
	SELECT walcast.row_as_jsonb(c.data)
	FROM pg_logical_slot_peek_changes($1, NULL, $3,
		VARIADIC CASE WHEN $2 IS NULL THEN ARRAY[]::text[] ELSE ARRAY['publication', $2] END) c;
$fn$;

COMMENT ON FUNCTION walcast.peek(text, text, integer) IS
	'Returns the pending changes of a walcast slot as jsonb rows without consuming them; upto limits the number of rows. '
	'A row that jsonb cannot hold is returned as a jsonb string of its text.';

-- Pending changes as jsonb, consuming them (the slot moves past them). pg_logical_slot_get_changes returns its
-- whole result before the first row is cast, and the cast cannot fail, so every consumed row is returned.
CREATE OR REPLACE FUNCTION walcast.get(slot_name text, publication text DEFAULT NULL, upto integer DEFAULT NULL)
RETURNS SETOF jsonb
LANGUAGE sql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $fn$
	SELECT walcast.row_as_jsonb(c.data)
	FROM pg_logical_slot_get_changes($1, NULL, $3,
		VARIADIC CASE WHEN $2 IS NULL THEN ARRAY[]::text[] ELSE ARRAY['publication', $2] END) c;
$fn$;

COMMENT ON FUNCTION walcast.get(text, text, integer) IS
	'Returns and consumes the pending changes of a walcast slot as jsonb rows; upto limits the number of rows. '
	'A row that jsonb cannot hold is returned as a jsonb string of its text.';
