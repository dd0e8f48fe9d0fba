# PostgreSQL 15 with the walcast output plugin and extension, ready for walcast-gateway:
# wal_level=logical, replication slots and WAL senders available, and on first start the `walcast`
# extension and the `supabase_realtime` publication (all tables) created. Build from the repository root:
#   docker build -f docker/postgres.Dockerfile -t walcast-postgres .
#
# Base: Debian bookworm's own postgresql-15 on debian:bookworm-slim, the same packages the plugin is built
# and tested against outside containers (scripts/test), rather than the postgres:15 image, whose server
# is built by another packaging with other settings.
# Environment (first start only, like the official postgres image): POSTGRES_PASSWORD (required unless
# POSTGRES_HOST_AUTH_METHOD=trust), POSTGRES_USER (postgres), POSTGRES_DB (postgres),
# WALCAST_PUBLICATION (supabase_realtime). PGPORT moves the server off 5432.

FROM debian:bookworm-slim AS build
RUN apt-get update \
	&& DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
		g++ make postgresql-server-dev-15 \
	&& rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Makefile.pgxs walcast.control ./
COPY sql sql
COPY plugin plugin
RUN make -f Makefile.pgxs -j2 PG_CONFIG=/usr/lib/postgresql/15/bin/pg_config \
	&& make -f Makefile.pgxs install DESTDIR=/out PG_CONFIG=/usr/lib/postgresql/15/bin/pg_config \
	&& strip --strip-unneeded /out/usr/lib/postgresql/15/lib/walcast.so

FROM debian:bookworm-slim
# postgresql-common would create and start a default cluster on install; this image makes its own in
# PGDATA on first start instead.
RUN apt-get update \
	&& DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql-common \
	&& sed -ri 's/#?\s*create_main_cluster\s*=.*/create_main_cluster = false/' /etc/postgresql-common/createcluster.conf \
	&& DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql-15 \
	&& rm -rf /var/lib/apt/lists/* \
	&& install -d -o postgres -g postgres -m 2775 /var/run/postgresql \
	&& install -d -o postgres -g postgres -m 700 /var/lib/postgresql/data
COPY --from=build /out/ /
COPY docker/postgres-entrypoint.sh /usr/local/bin/walcast-postgres-entrypoint
COPY docker/initdb/10-walcast.sh /docker-entrypoint-initdb.d/

ENV PATH=/usr/lib/postgresql/15/bin:$PATH \
	PGDATA=/var/lib/postgresql/data
VOLUME /var/lib/postgresql/data
EXPOSE 5432
HEALTHCHECK --interval=5s --timeout=5s --start-period=30s --retries=5 \
	CMD pg_isready -q -h 127.0.0.1 -p "${PGPORT:-5432}" -U "${POSTGRES_USER:-postgres}"
# SIGINT is PostgreSQL's fast shutdown; SIGTERM's smart shutdown would wait for every client (the
# gateway's replication connection included) to leave first.
STOPSIGNAL SIGINT
ENTRYPOINT ["/usr/local/bin/walcast-postgres-entrypoint"]
CMD ["postgres"]
