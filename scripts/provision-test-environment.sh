#!/usr/bin/env bash
# Provisions what `npm test` needs beyond `npm install`, for `npm test` (its `pretest`) and .ci/run:
#   - Chromium at /usr/bin/chromium (the browser example's test): Debian's `chromium` package;
#   - redis-server (the fault tests start Redis servers of their own): Debian's `redis-server`;
#   - a Redis answering for the Redis adapters' tests: the one at REDIS_URL, else 127.0.0.1:6379,
#     else a redis-server started here on 127.0.0.1:6379 (no persistence; it keeps running after
#     the tests, stop it with `redis-cli -p 6379 shutdown nosave`).
# Installs with apt-get (as root, or through sudo) when a part is missing and it can; otherwise it
# names each missing part with the command that installs it and exits 1. Never skips silently.
#
# Usage: provision-test-environment.sh [--dry-run]
#   --dry-run (or PROVISION_DRY_RUN=1): install and start nothing; report what is missing.
# stdout: the port of the redis-server this script started (for .ci/run to shut it down),
#   nothing otherwise. Messages: stderr, each prefixed "provision:".
# Environment: CHROMIUM_PATH overrides /usr/bin/chromium (what the browser test launches);
#   ENSURE_REDIS_PORT overrides 6379 (trying the script out next to a running Redis).
set -euo pipefail

dry_run="${PROVISION_DRY_RUN:-}"
for argument in "$@"; do
  case "$argument" in
    --dry-run) dry_run=1 ;;
    -h | --help)
      sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'
      exit 0
      ;;
    *)
      echo "provision: unknown argument $argument (try --help)" >&2
      exit 64
      ;;
  esac
done

chromium="${CHROMIUM_PATH:-/usr/bin/chromium}"
port="${ENSURE_REDIS_PORT:-6379}"
missing=()
say() { echo "provision: $*" >&2; }

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

# apt-get install PACKAGES, as root or through sudo; fails (with a message) when neither works.
updated=""
apt_install() {
  if [ -n "$dry_run" ]; then
    return 1
  fi
  if ! command -v apt-get >/dev/null 2>&1; then
    say "no apt-get here: cannot install $*"
    return 1
  fi
  local as_root=()
  if [ "$(id -u)" -ne 0 ]; then
    if ! command -v sudo >/dev/null 2>&1 || ! sudo -n true 2>/dev/null; then
      say "not root and no password-less sudo: cannot install $*"
      return 1
    fi
    as_root=(sudo -n)
  fi
  say "installing $* from Debian's packages (apt-get)"
  if [ -z "$updated" ]; then
    "${as_root[@]}" apt-get update -qq >&2 || return 1
    updated=1
  fi
  DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y -qq --no-install-recommends "$@" >&2
}

# Chromium for packages/client/test/web-example.browser.test.ts.
if [ -x "$chromium" ]; then
  say "chromium: $chromium"
elif [ "$chromium" = /usr/bin/chromium ] && apt_install chromium && [ -x "$chromium" ]; then
  say "chromium: installed at $chromium"
else
  missing+=("chromium: $chromium is missing (install Debian's package: apt-get install -y chromium)")
fi

# redis-server for the tests that stop and restart Redis.
if command -v redis-server >/dev/null 2>&1; then
  say "redis-server: $(command -v redis-server)"
elif apt_install redis-server && command -v redis-server >/dev/null 2>&1; then
  say "redis-server: installed at $(command -v redis-server)"
else
  missing+=("redis-server: not on PATH (install Debian's package: apt-get install -y redis-server)")
fi

# A Redis that answers.
started=""
if [ -n "${REDIS_URL:-}" ]; then
  # redis://[user:password@]host[:port][/db]
  hostport="${REDIS_URL#*://}"
  hostport="${hostport##*@}"
  hostport="${hostport%%/*}"
  host="${hostport%%:*}"
  url_port="${hostport##*:}"
  [ "$url_port" = "$hostport" ] && url_port=6379
  if answers "$host" "$url_port"; then
    say "redis: REDIS_URL ($host:$url_port) answers"
  else
    missing+=("redis: nothing answers at REDIS_URL ($host:$url_port); the tests use REDIS_URL, so start that Redis or unset REDIS_URL")
  fi
elif answers 127.0.0.1 "$port"; then
  say "redis: answers at 127.0.0.1:$port"
elif [ -n "$dry_run" ]; then
  missing+=("redis: nothing answers at 127.0.0.1:$port (without --dry-run this script starts redis-server there)")
elif ! command -v redis-server >/dev/null 2>&1; then
  missing+=("redis: nothing answers at 127.0.0.1:$port and there is no redis-server to start")
else
  say "redis: starting redis-server on 127.0.0.1:$port"
  redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --daemonize yes \
    --pidfile "/tmp/wasm-relay-test-redis-$port.pid" --logfile "/tmp/wasm-relay-test-redis-$port.log" >&2
  for _ in $(seq 1 100); do
    if answers 127.0.0.1 "$port"; then
      started="$port"
      break
    fi
    sleep 0.05
  done
  if [ -z "$started" ]; then
    missing+=("redis: redis-server did not answer on 127.0.0.1:$port within 5 s; see /tmp/wasm-relay-test-redis-$port.log")
  fi
fi

if [ "${#missing[@]}" -gt 0 ]; then
  say "the tests cannot run; missing:"
  for part in "${missing[@]}"; do
    say "  - $part"
  done
  exit 1
fi
[ -n "$started" ] && echo "$started"
say "ready"
