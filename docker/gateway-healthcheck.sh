#!/bin/bash
# The gateway image's HEALTHCHECK: exit 0 when GET /health answers HTTP 200 (replication connected),
# 1 otherwise. Uses bash's /dev/tcp so the image needs no HTTP client.
host=${HOSTNAME:-0.0.0.0}
case "$host" in 0.0.0.0 | "::" | "[::]" | "") host=127.0.0.1 ;; esac
port=${PORT:-4000}
exec 3<>"/dev/tcp/$host/$port" || exit 1
printf 'GET /health HTTP/1.1\r\nHost: %s:%s\r\nConnection: close\r\n\r\n' "$host" "$port" >&3 || exit 1
IFS=$' \r' read -r -t 4 _version status _ <&3 || exit 1
[ "$status" = 200 ]
