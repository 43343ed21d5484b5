#!/usr/bin/env bash
# Makes sure a Redis answers for the tests: the one at REDIS_URL, else one at 127.0.0.1:6379, else
# a redis-server started here on 127.0.0.1:6379 (no persistence). Installs redis-server from
# Debian's packages when the binary is absent (the fault tests start servers of their own).
# stdout: the port of the redis-server this script started (for the caller to shut it down with
# `redis-cli -p PORT shutdown nosave`), nothing when a Redis was already there. Messages: stderr.
# ENSURE_REDIS_PORT overrides 6379 (for trying the script out next to a running Redis).
set -euo pipefail

port="${ENSURE_REDIS_PORT:-6379}"
say() { echo "ensure-redis: $*" >&2; }

# PING over bash's /dev/tcp, so that no redis-cli is needed; an auth request counts as an answer.
answers() {
  (
    exec 3<>"/dev/tcp/$1/$2" || exit 1
    printf 'PING\r\n' >&3
    reply=""
    IFS= read -r -t 2 reply <&3 || true
    [[ "$reply" == +PONG* || "$reply" == -NOAUTH* ]]
  ) 2>/dev/null
}

# The fault tests start redis-servers of their own, so the binary is needed even when a Redis
# already answers.
install_redis_server() {
  command -v redis-server >/dev/null 2>&1 && return 0
  say "installing redis-server from Debian's packages"
  local as_root=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || { say "not root and no sudo: cannot install redis-server"; return 1; }
    as_root=(sudo)
  fi
  "${as_root[@]}" apt-get update -qq >&2 &&
    DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y -qq --no-install-recommends redis-server >&2
}

if ! install_redis_server; then
  say "warning: redis-server is not installed; the tests that stop and restart Redis cannot run"
fi

if [ -n "${REDIS_URL:-}" ]; then
  # redis://[user:password@]host[:port][/db]
  hostport="${REDIS_URL#*://}"
  hostport="${hostport##*@}"
  hostport="${hostport%%/*}"
  host="${hostport%%:*}"
  url_port="${hostport##*:}"
  [ "$url_port" = "$hostport" ] && url_port=6379
  if answers "$host" "$url_port"; then
    say "Redis at REDIS_URL answers"
    exit 0
  fi
  say "nothing answers at REDIS_URL ($host:$url_port); the tests use REDIS_URL, so fix it or unset it"
  exit 1
fi

if answers 127.0.0.1 "$port"; then
  say "Redis answers at 127.0.0.1:$port"
  exit 0
fi

command -v redis-server >/dev/null 2>&1 || { say "no Redis answers and redis-server could not be installed"; exit 1; }
say "starting redis-server on 127.0.0.1:$port"
redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --daemonize yes \
  --pidfile "/tmp/wasm-relay-ci-redis-$port.pid" --logfile "/tmp/wasm-relay-ci-redis-$port.log" >&2
for _ in $(seq 1 100); do
  if answers 127.0.0.1 "$port"; then
    echo "$port"
    exit 0
  fi
  sleep 0.05
done
say "redis-server did not answer on port $port within 5 s; see /tmp/wasm-relay-ci-redis-$port.log"
exit 1
