#!/usr/bin/env bash
# Stops every process cluster:up started (by pid) and removes the cluster's state.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
dir="${KUBEMEDIC_CLUSTER_DIR:-$repo/.cluster}"
[ -d "$dir/pids" ] || { echo "[cluster] not running"; rm -rf "$dir"; exit 0; }
# Reverse start order, so the API server outlives its clients.
for c in kwok kube-scheduler kube-controller-manager kube-apiserver etcd; do
  f="$dir/pids/$c"; [ -f "$f" ] || continue
  pid=$(cat "$f")
  kill -TERM "$pid" 2>/dev/null || continue
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
done
rm -rf "$dir"
echo "[cluster] stopped"
