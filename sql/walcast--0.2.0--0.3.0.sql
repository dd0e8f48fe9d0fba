-- walcast extension: upgrade from 0.2.0 to 0.3.0 (ALTER EXTENSION walcast UPDATE).
-- Brings a 0.2.0 installation to exactly the definitions of walcast--0.3.0.sql: the functions of 0.2.0 are
-- unchanged; added are the table walcast.messages (where policies for private channels live), walcast.topic(),
-- walcast.send(), walcast.broadcast_changes(), walcast.check_access() and its helper walcast.insert_access_probes(),
-- and USAGE on the schema for PUBLIC.

\echo Use "ALTER EXTENSION walcast UPDATE TO '0.3.0'" to load this file. \quit

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
