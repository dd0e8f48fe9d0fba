# walcast-gateway image: compiles the gateway from this repository, ships the binary and its runtime
# libraries only. Build from the repository root:
#   docker build -f docker/gateway.Dockerfile -t walcast-gateway .
# Configured by the same environment variables as the binary (`docker run --rm walcast-gateway --help`).

FROM debian:bookworm-slim AS build
RUN apt-get update \
	&& DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
		g++ make cmake pkg-config libboost1.81-dev libboost-json1.81-dev libpq-dev libssl-dev libjwt-dev \
	&& rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Only what the gateway is built from, so edits elsewhere (tests, plugin, docs) keep this layer cached.
# docker/gateway-image.cmake builds gateway/ alone: the top-level project also declares tests and
# benchmarks, with dependencies the image has no use for.
COPY gateway gateway
COPY docker/gateway-image.cmake image/CMakeLists.txt
ARG BUILD_JOBS=2
RUN cmake -S image -B build -DWALCAST_SOURCE_DIR=/src -DCMAKE_BUILD_TYPE=Release >/dev/null \
	&& cmake --build build --target walcast-gateway -j"${BUILD_JOBS}" \
	&& strip build/gateway/walcast-gateway

FROM debian:bookworm-slim
# Runtime libraries of the binary: libpq (replication connection), Boost.JSON, OpenSSL's libcrypto
# (WebSocket handshake). No compiler, headers or curl.
RUN apt-get update \
	&& DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
		libpq5 libboost-json1.81.0 libssl3 libjwt0 \
	&& rm -rf /var/lib/apt/lists/* \
	&& useradd --no-log-init --uid 10001 --user-group --no-create-home --home-dir /nonexistent \
		--shell /usr/sbin/nologin walcast
COPY --from=build /src/build/gateway/walcast-gateway /usr/local/bin/walcast-gateway
COPY docker/gateway-healthcheck.sh /usr/local/bin/walcast-healthcheck
# Fails the build here, not at run time, if a runtime library is missing.
RUN walcast-gateway --help >/dev/null

# Numeric, so orchestrators can verify it is not root (e.g. Kubernetes runAsNonRoot).
USER 10001:10001
# HOSTNAME is the gateway's bind address. Container runtimes set HOSTNAME to the container's name
# unless the image sets it, so the image pins the default to all interfaces; `-e HOSTNAME=...` overrides.
ENV HOSTNAME=0.0.0.0 \
	PORT=4000 \
	LOG_LEVEL=info
EXPOSE 4000
# Healthy while GET /health answers 200, i.e. while replication is connected. Bash's /dev/tcp: no curl.
HEALTHCHECK --interval=10s --timeout=5s --start-period=10s --retries=3 CMD ["/usr/local/bin/walcast-healthcheck"]
# The gateway itself is PID 1: on SIGTERM it sends clients a close frame (1001), confirms the slot and exits 0.
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/walcast-gateway"]
