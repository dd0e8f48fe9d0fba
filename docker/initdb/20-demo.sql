-- A table to try walcast with (docker/compose.yml mounts this into the walcast-postgres image's init
-- folder; the image itself only creates the extension and the publication).
CREATE TABLE IF NOT EXISTS public.messages (
	id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	body text NOT NULL,
	created_at timestamptz NOT NULL DEFAULT now()
);
