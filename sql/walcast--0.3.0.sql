-- walcast extension, version 0.3.0: helpers around the walcast logical decoding output plugin.
-- The plugin itself (walcast.so) is loaded by name when a slot uses it; these functions make it easy to check the
-- prerequisites, create the gateway's slot and look at pending changes, and (since 0.3.0) hold the policies for
-- private channels (walcast.messages, walcast.topic(), walcast.check_access()) and send broadcasts from SQL
-- (walcast.send(), walcast.broadcast_changes()).
--
-- Every function runs with search_path = pg_catalog, pg_temp, so no object another role creates (in public,
-- in a schema named after the caller, or as a temporary table) can stand in for a built-in one.
-- walcast--0.2.0--0.3.0.sql brings a 0.2.0 installation to exactly these definitions (and walcast--0.1.0--0.2.0.sql
-- a 0.1.0 one to 0.2.0).

\echo Use "CREATE EXTENSION walcast" to load this file. \quit

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
CREATE FUNCTION walcast.check(publication text DEFAULT 'supabase_realtime')
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

-- The logical replication slot the gateway reads, using the walcast plugin.
CREATE FUNCTION walcast.create_slot(slot_name text DEFAULT 'walcast', temporary boolean DEFAULT false)
RETURNS TABLE (slot_name name, lsn pg_lsn)
LANGUAGE sql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $fn$
	SELECT s.slot_name, s.lsn FROM pg_create_logical_replication_slot($1, 'walcast', $2) s;
$fn$;

COMMENT ON FUNCTION walcast.create_slot(text, boolean) IS
	'Creates a logical replication slot that decodes with the walcast plugin.';

CREATE FUNCTION walcast.drop_slot(slot_name text DEFAULT 'walcast')
RETURNS void
LANGUAGE sql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $fn$
	SELECT pg_drop_replication_slot($1);
$fn$;

COMMENT ON FUNCTION walcast.drop_slot(text) IS 'Drops a replication slot (for example one made by walcast.create_slot).';

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
CREATE FUNCTION walcast.peek(slot_name text, publication text DEFAULT NULL, upto integer DEFAULT NULL)
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
CREATE FUNCTION walcast.get(slot_name text, publication text DEFAULT NULL, upto integer DEFAULT NULL)
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

-- Private channels (0.3.0). walcast.messages is where an application writes its Row Level Security policies for
-- private channels, as with Supabase Realtime's realtime.messages: a SELECT policy lets a role join a private
-- topic and receive its broadcasts and presence (read), an INSERT policy lets it send broadcasts and track
-- presence (write). The gateway asks walcast.check_access() whether the policies allow a role for a topic;
-- walcast.send() and walcast.broadcast_changes() push broadcasts from SQL.

CREATE TABLE walcast.messages (
	id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	topic text NOT NULL,
	extension text NOT NULL CHECK (extension IN ('broadcast', 'presence')),
	event text,
	payload jsonb,
	private boolean NOT NULL DEFAULT true,
	inserted_at timestamptz NOT NULL DEFAULT now()
);

COMMENT ON TABLE walcast.messages IS
	'Write Row Level Security policies here for private channels: a SELECT policy allows reading a topic (join, receive '
	'broadcasts and presence), an INSERT policy allows writing it (send broadcasts, track presence). walcast.topic() '
	'is the topic being checked; request.jwt.claims holds the client''s token claims.';

-- With RLS on and no policy, nobody but the owner (and superusers) sees or adds a row: a private topic is closed
-- until the application opens it with policies.
ALTER TABLE walcast.messages ENABLE ROW LEVEL SECURITY;

-- Every role may try; the policies decide. USAGE on the schema lets policies and roles reach walcast.topic() and
-- the table. INSERT is granted on the columns a message has, not on id or inserted_at: a role inserting for real
-- (where a policy allows it) cannot pick ids ahead of the sequence, which would make later access checks fail on
-- the primary key or wait on another transaction's row with the same id.
GRANT USAGE ON SCHEMA walcast TO PUBLIC;
GRANT SELECT ON walcast.messages TO PUBLIC;
GRANT INSERT (topic, extension, event, payload, private) ON walcast.messages TO PUBLIC;

-- The topic whose access is being checked, as the client named it (room:alice, without realtime:), for policies.
-- NULL outside a check (an empty setting, which is what a rolled back setting leaves, counts as none).
CREATE FUNCTION walcast.topic()
RETURNS text
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $fn$
	SELECT nullif(current_setting('walcast.topic', true), '');
$fn$;

COMMENT ON FUNCTION walcast.topic() IS
	'The channel topic being checked (as the client named it, e.g. room:alice), for policies on walcast.messages; NULL outside a check.';

-- A broadcast from SQL: a transactional logical message with the prefix walcast, which the gateway turns into a
-- broadcast on realtime:<topic>. Transactional, so it is delivered after the commit, in commit order with the
-- transaction's changes, and never when the transaction rolls back.
CREATE FUNCTION walcast.send(payload jsonb, event text, topic text, private boolean DEFAULT true)
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
	IF topic IS NULL OR event IS NULL OR private IS NULL THEN
		RAISE EXCEPTION USING
			ERRCODE = 'null_value_not_allowed',
			MESSAGE = format('walcast.send: %s must not be NULL',
				CASE WHEN topic IS NULL THEN 'topic' WHEN event IS NULL THEN 'event' ELSE 'private' END),
			HINT = 'Call walcast.send(payload, event, topic[, private]) with an event name and a topic such as room:1.';
	END IF;
	-- json_build_object keeps the keys in this order; payload is embedded as JSON (a NULL payload is null).
	PERFORM pg_logical_emit_message(true, 'walcast',
		json_build_object('topic', topic, 'event', event, 'payload', payload, 'private', private)::text);
END
$fn$;

COMMENT ON FUNCTION walcast.send(jsonb, text, text, boolean) IS
	'Broadcasts payload as event on realtime:<topic> after the transaction commits (nothing on rollback); private '
	'(default true) messages reach only subscribers the policies on walcast.messages allow to read the topic.';

-- For row triggers: the change as a broadcast (private) on topic_name, e.g.
--   PERFORM walcast.broadcast_changes('room:' || NEW.room_id, TG_OP, TG_OP, TG_TABLE_NAME, TG_TABLE_SCHEMA, NEW, OLD);
-- record is the new row (INSERT, UPDATE), old_record the old one (UPDATE, DELETE); the other is null.
CREATE FUNCTION walcast.broadcast_changes(topic_name text, event_name text, operation text, table_name text,
	table_schema text, new record, old record, level text DEFAULT 'ROW')
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
	v_op text := upper(operation);
BEGIN
	IF level IS DISTINCT FROM 'ROW' THEN
		RAISE EXCEPTION USING
			ERRCODE = 'invalid_parameter_value',
			MESSAGE = format('walcast.broadcast_changes works in FOR EACH ROW triggers only, not at level %s', coalesce(level, 'NULL')),
			HINT = 'Create the trigger FOR EACH ROW and pass TG_LEVEL.';
	END IF;
	IF v_op IS NULL OR v_op NOT IN ('INSERT', 'UPDATE', 'DELETE') THEN
		RAISE EXCEPTION USING
			ERRCODE = 'invalid_parameter_value',
			MESSAGE = format('walcast.broadcast_changes: operation must be INSERT, UPDATE or DELETE, not %s', coalesce(operation, 'NULL'));
	END IF;
	PERFORM walcast.send(
		jsonb_build_object(
			'schema', table_schema,
			'table', table_name,
			'operation', v_op,
			'record', CASE WHEN v_op IN ('INSERT', 'UPDATE') THEN to_jsonb(new) END,
			'old_record', CASE WHEN v_op IN ('UPDATE', 'DELETE') THEN to_jsonb(old) END),
		event_name, topic_name, true);
END
$fn$;

COMMENT ON FUNCTION walcast.broadcast_changes(text, text, text, text, text, record, record, text) IS
	'For row triggers: sends {schema, table, operation, record, old_record} as event_name on topic_name (a private '
	'broadcast) after the transaction commits.';

-- Probe rows for walcast.check_access(): one broadcast and one presence row of the topic, inserted past RLS (this
-- runs as the extension owner, a superuser) so the SELECT policies can be asked whether a role sees them.
-- check_access() always rolls them back. Anyone able to call this could leave such rows behind, so EXECUTE is
-- revoked from PUBLIC: the gateway's database user needs it granted (superusers have it).
CREATE FUNCTION walcast.insert_access_probes(topic text)
RETURNS TABLE (extension text, id bigint)
LANGUAGE sql VOLATILE STRICT SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
	INSERT INTO walcast.messages AS m (topic, extension, private)
	VALUES ($1, 'broadcast', true), ($1, 'presence', true)
	RETURNING m.extension, m.id;
$fn$;

REVOKE EXECUTE ON FUNCTION walcast.insert_access_probes(text) FROM PUBLIC;

COMMENT ON FUNCTION walcast.insert_access_probes(text) IS
	'Used by walcast.check_access(): inserts the probe rows the SELECT policies are asked about. Not for PUBLIC; '
	'grant EXECUTE to the gateway''s database user.';

-- What the gateway asks before a client joins a private channel or subscribes to table changes, in one statement:
-- under `role` with request.jwt.claims = claims and walcast.topic() = topic,
--   read_broadcast / read_presence:   do the SELECT policies on walcast.messages show a probe row of the topic
--                                     (extension broadcast / presence)?
--   write_broadcast / write_presence: do the INSERT policies let the role insert such a row?
--   each (table_schemas[i], table_names[i]): may the role SELECT the table or any of its columns (and use its
--                                     schema)?
-- One row per asked check, checks first then tables, in the order asked; detail says why a check was denied when
-- that was an error (a policy that raised, a missing privilege), so one broken policy denies only its own check.
--
-- Nothing stays behind: all of it runs in a block that ends by raising a private SQLSTATE, which rolls back its
-- subtransaction - the probe rows, the inserted rows, the role switch, the settings and whatever the policies'
-- functions wrote (sequences excepted, as always) - while the answers are kept in local variables.
--
-- SECURITY INVOKER, because SET ROLE is not allowed in a SECURITY DEFINER function and because the caller's own
-- right to become `role` is what must be checked: a role the session user is not a member of is an ERROR (the
-- gateway reports "could not check"), never a denial. It cannot raise anyone's rights: it only becomes roles the
-- caller could SET ROLE to anyway.
CREATE FUNCTION walcast.check_access(topic text, role text, claims text, checks text[] DEFAULT '{}',
	table_schemas text[] DEFAULT '{}', table_names text[] DEFAULT '{}')
RETURNS TABLE (kind text, name text, allowed boolean, detail text)
LANGUAGE plpgsql VOLATILE SECURITY INVOKER
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
	v_checks text[] := coalesce(checks, '{}');
	v_schemas text[] := coalesce(table_schemas, '{}');
	v_tables text[] := coalesce(table_names, '{}');
	v_allowed boolean[] := '{}';
	v_detail text[] := '{}';
	v_probe bigint;
	v_probe_broadcast bigint;
	v_probe_presence bigint;
	v_extension text;
	v_relid oid;
	v_nspid oid;
	v_ok boolean;
	v_why text;
	v_done boolean := false;
	v_check text;
	i int;
BEGIN
	IF role IS NULL OR role = '' THEN
		RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
			MESSAGE = 'walcast.check_access: the token has no role to check';
	END IF;
	-- SET ROLE none means "back to the session user": the gateway's own, perhaps superuser, rights.
	IF role = 'none' THEN
		RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
			MESSAGE = 'walcast.check_access: role "none" cannot be checked (SET ROLE none would check the gateway''s own rights)';
	END IF;
	FOREACH v_check IN ARRAY v_checks LOOP
		IF v_check IS NULL OR v_check NOT IN ('read_broadcast', 'read_presence', 'write_broadcast', 'write_presence') THEN
			RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
				MESSAGE = format('walcast.check_access: unknown check %s', coalesce(quote_literal(v_check), 'NULL')),
				HINT = 'Checks are read_broadcast, read_presence, write_broadcast and write_presence.';
		END IF;
	END LOOP;
	IF cardinality(v_checks) > 0 AND check_access.topic IS NULL THEN
		RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
			MESSAGE = 'walcast.check_access: topic checks need a topic';
	END IF;
	IF cardinality(v_schemas) <> cardinality(v_tables) THEN
		RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
			MESSAGE = format('walcast.check_access: %s table schemas but %s table names', cardinality(v_schemas), cardinality(v_tables));
	END IF;

	BEGIN
		-- Read checks need rows to look at; they are inserted before the role switch (the helper is not for the
		-- token's role) and are seen by the statements below, which run in the same transaction.
		IF v_checks && ARRAY['read_broadcast', 'read_presence'] THEN
			BEGIN
				FOR v_extension, v_probe IN SELECT p.extension, p.id FROM walcast.insert_access_probes(check_access.topic) p LOOP
					IF v_extension = 'broadcast' THEN v_probe_broadcast := v_probe; ELSE v_probe_presence := v_probe; END IF;
				END LOOP;
			EXCEPTION WHEN insufficient_privilege THEN
				RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
					MESSAGE = format('cannot check read access: %s', SQLERRM),
					HINT = format('The gateway''s database user needs GRANT EXECUTE ON FUNCTION walcast.insert_access_probes(text) TO %s;',
						quote_ident(session_user));
			END;
		END IF;

		PERFORM set_config('walcast.topic', coalesce(check_access.topic, ''), true);
		PERFORM set_config('request.jwt.claims', coalesce(claims, ''), true);
		BEGIN
			PERFORM set_config('role', role, true);
		EXCEPTION WHEN insufficient_privilege OR invalid_parameter_value THEN
			GET STACKED DIAGNOSTICS v_why = PG_EXCEPTION_DETAIL;
			RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
				MESSAGE = format('cannot check access as role %s: %s', quote_ident(role), concat_ws(': ', SQLERRM, nullif(v_why, ''))),
				HINT = format('The gateway''s database user must be a member of every role its tokens name: GRANT %s TO %s;',
					quote_ident(role), quote_ident(session_user));
		END;

		FOREACH v_check IN ARRAY v_checks LOOP
			v_ok := false;
			v_why := NULL;
			BEGIN
				IF left(v_check, 5) = 'read_' THEN
					v_probe := CASE v_check WHEN 'read_broadcast' THEN v_probe_broadcast ELSE v_probe_presence END;
					v_ok := EXISTS (SELECT 1 FROM walcast.messages m WHERE m.id = v_probe);
				ELSE
					INSERT INTO walcast.messages (topic, extension, private)
					VALUES (check_access.topic, substr(v_check, 7), true);
					v_ok := true;
				END IF;
			EXCEPTION WHEN OTHERS THEN
				-- 42501 (no privilege, or "new row violates row-level security policy") is the usual denial; any
				-- other error is a policy that failed, which denies this check only.
				v_ok := false;
				v_why := SQLERRM;
			END;
			v_allowed := v_allowed || v_ok;
			v_detail := v_detail || v_why;
		END LOOP;

		-- A table is readable with SELECT on it or on any of its columns, and USAGE on its schema (without which
		-- no query of the role could name it).
		FOR i IN 1 .. cardinality(v_tables) LOOP
			SELECT c.oid, c.relnamespace INTO v_relid, v_nspid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
			WHERE n.nspname = v_schemas[i] AND c.relname = v_tables[i];
			IF v_relid IS NULL THEN
				v_allowed := v_allowed || false;
				v_detail := v_detail || format('relation %s does not exist', format('%I.%I', v_schemas[i], v_tables[i]));
			ELSIF NOT has_schema_privilege(v_nspid, 'USAGE') THEN
				v_allowed := v_allowed || false;
				v_detail := v_detail || format('no USAGE on schema %I', v_schemas[i]);
			ELSE
				v_allowed := v_allowed || has_any_column_privilege(v_relid, 'SELECT');
				v_detail := v_detail || NULL::text;
			END IF;
			v_relid := NULL;
		END LOOP;

		v_done := true;
		RAISE EXCEPTION USING ERRCODE = 'WCRB0', MESSAGE = 'walcast.check_access: undo';
	EXCEPTION WHEN SQLSTATE 'WCRB0' THEN
		-- Only the RAISE above may end the block this way; the same code raised by a policy is caught per check.
		IF NOT v_done THEN
			RAISE EXCEPTION USING ERRCODE = 'internal_error', MESSAGE = 'walcast.check_access: a check was interrupted';
		END IF;
	END;

	FOR i IN 1 .. cardinality(v_checks) LOOP
		kind := 'topic';
		name := v_checks[i];
		allowed := v_allowed[i];
		detail := v_detail[i];
		RETURN NEXT;
	END LOOP;
	FOR i IN 1 .. cardinality(v_tables) LOOP
		kind := 'table';
		name := format('%I.%I', v_schemas[i], v_tables[i]);
		allowed := v_allowed[cardinality(v_checks) + i];
		detail := v_detail[cardinality(v_checks) + i];
		RETURN NEXT;
	END LOOP;
END
$fn$;

COMMENT ON FUNCTION walcast.check_access(text, text, text, text[], text[], text[]) IS
	'Decides, as role with request.jwt.claims = claims and walcast.topic() = topic, the topic checks (read_broadcast, '
	'read_presence, write_broadcast, write_presence: the policies on walcast.messages) and SELECT on each table; one '
	'row per check. Leaves nothing behind. An ERROR when the caller may not SET ROLE to role.';
