#!/usr/bin/env bash
# Installs what a fresh machine lacks for the tests: Redis (started when `redis-cli ping` fails,
# installed from Debian if absent), Chromium, npm packages, and the test control plane and tools
# build (cached).
set -euo pipefail
cd "$(dirname "$0")/.."
log() { echo "[setup] $(date +%H:%M:%S) $*"; }

command -v node >/dev/null || { echo "[setup] Node.js 20.19+ is required and was not found" >&2; exit 1; }
command -v go >/dev/null || {
  echo "[setup] Go 1.26+ is required to build the test Kubernetes control plane (test/cluster/build.sh) and was not found" >&2
  exit 1
}

redis_up() { command -v redis-cli >/dev/null && redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG; }
if ! redis_up; then
  if ! command -v redis-server >/dev/null; then
    log "installing redis-server from Debian"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq redis-server redis-tools >/dev/null
  fi
  log "starting redis-server on 127.0.0.1:6379"
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no
  for _ in $(seq 1 50); do redis_up && break; sleep 0.2; done
  redis_up || { echo "[setup] redis-server did not start" >&2; exit 1; }
fi

# The failover tests run real sentinels as `redis-server sentinel.conf --sentinel`, which Debian's
# redis-server does; a redis-server built without Sentinel mode gets Debian's redis-sentinel.
if ! redis-server --help 2>&1 | grep -q -- '--sentinel'; then
  log "installing redis-sentinel from Debian"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq redis-sentinel >/dev/null
fi
# Headless Chromium renders recorded Slack threads to PNG (npm run render-thread).
if ! command -v chromium >/dev/null; then
  log "installing chromium from Debian"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq --no-install-recommends chromium >/dev/null
fi

log "npm ci"
npm ci --no-audit --no-fund
log "building the test control plane (cached by version outside the repo)"
bash test/cluster/build.sh
