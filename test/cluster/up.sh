#!/usr/bin/env bash
# Starts the test control plane on loopback (etcd, kube-apiserver with RBAC, controller-manager,
# scheduler, KWOK with 3 fake nodes) and writes $CLUSTER_DIR/kubeconfig. Builds what is missing
# of the control plane (not the infra test tools: test/setup.sh and `build.sh` build those).
# Idempotent: with a healthy cluster already running it returns at once.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/versions.sh"
repo="$(cd "$here/../.." && pwd)"
dir="${KUBEMEDIC_CLUSTER_DIR:-$repo/.cluster}"
nodes="${KUBEMEDIC_CLUSTER_NODES:-3}"
log() { echo "[cluster] $(date +%H:%M:%S) $*"; }

alive() { [ -f "$dir/pids/$1" ] && kill -0 "$(cat "$dir/pids/$1")" 2>/dev/null; }
healthy() {
  [ -f "$dir/kubeconfig" ] || return 1
  for c in etcd kube-apiserver kube-controller-manager kube-scheduler kwok; do alive "$c" || return 1; done
  "$BIN_DIR/kubectl" --kubeconfig "$dir/kubeconfig" get --raw /readyz >/dev/null 2>&1
}

if healthy; then log "already running ($dir/kubeconfig)"; exit 0; fi
[ -d "$dir/pids" ] && { log "cleaning up a stopped or partial cluster"; bash "$here/down.sh" >/dev/null; }

bash "$here/build.sh" cluster
started=$(date +%s)
mkdir -p "$dir"/{pids,logs/app,certs,etcd}
free_port() { node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
etcd_port=$(free_port); peer_port=$(free_port); api_port=$(free_port); kwok_port=$(free_port)
while [ "$peer_port" = "$etcd_port" ]; do peer_port=$(free_port); done
token="$(node -e 'console.log(require("crypto").randomBytes(24).toString("hex"))')"
echo "$token,kubemedic-test-admin,kubemedic-test-admin,system:masters" >"$dir/certs/tokens.csv"
node -e '
const { generateKeyPairSync } = require("crypto"); const fs = require("fs");
const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
fs.writeFileSync(process.argv[1] + "/sa.key", privateKey.export({ type: "pkcs8", format: "pem" }), { mode: 0o600 });
fs.writeFileSync(process.argv[1] + "/sa.pub", publicKey.export({ type: "spki", format: "pem" }));
' "$dir/certs"

start() { # name, args...: starts a component in its own session, logs to logs/<name>.log
  local name=$1; shift
  setsid "$BIN_DIR/$name" "$@" >"$dir/logs/$name.log" 2>&1 </dev/null &
  echo $! >"$dir/pids/$name"
}
wait_for() { # what, seconds, command...
  local what=$1 secs=$2; shift 2
  for _ in $(seq 1 $((secs * 5))); do "$@" >/dev/null 2>&1 && return 0; sleep 0.2; done
  log "timed out waiting for $what; last log lines:"; tail -n 20 "$dir/logs/"*.log >&2; exit 1
}

start etcd --name kubemedic-test --data-dir "$dir/etcd" \
  --listen-client-urls "http://127.0.0.1:$etcd_port" --advertise-client-urls "http://127.0.0.1:$etcd_port" \
  --listen-peer-urls "http://127.0.0.1:$peer_port" --initial-advertise-peer-urls "http://127.0.0.1:$peer_port" \
  --initial-cluster "kubemedic-test=http://127.0.0.1:$peer_port" --unsafe-no-fsync --log-level warn
wait_for etcd 30 curl -fsS "http://127.0.0.1:$etcd_port/health"

start kube-apiserver --etcd-servers "http://127.0.0.1:$etcd_port" \
  --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "$api_port" \
  --cert-dir "$dir/certs" --token-auth-file "$dir/certs/tokens.csv" \
  --authorization-mode Node,RBAC --endpoint-reconciler-type none \
  --service-account-issuer https://kubernetes.default.svc.cluster.local \
  --service-account-key-file "$dir/certs/sa.pub" --service-account-signing-key-file "$dir/certs/sa.key" \
  --service-cluster-ip-range 10.96.0.0/16 --allow-privileged=true --profiling=false \
  --enable-priority-and-fairness=false --kubelet-preferred-address-types InternalIP --v 0
wait_for kube-apiserver 60 curl -fsSk -H "Authorization: Bearer $token" "https://127.0.0.1:$api_port/readyz"

ca="$(base64 -w0 <"$dir/certs/apiserver.crt")"
cat >"$dir/kubeconfig" <<KCFG
apiVersion: v1
kind: Config
clusters:
- name: kubemedic-test
  cluster:
    server: https://127.0.0.1:$api_port
    certificate-authority-data: $ca
users:
- name: kubemedic-test-admin
  user:
    token: $token
contexts:
- name: kubemedic-test
  context: {cluster: kubemedic-test, user: kubemedic-test-admin}
current-context: kubemedic-test
KCFG
chmod 600 "$dir/kubeconfig"
kc() { "$BIN_DIR/kubectl" --kubeconfig "$dir/kubeconfig" "$@"; }

start kube-controller-manager --kubeconfig "$dir/kubeconfig" --leader-elect=false --secure-port 0 \
  --service-account-private-key-file "$dir/certs/sa.key" --root-ca-file "$dir/certs/apiserver.crt" \
  --controllers '*,-nodeipam,-cloud-node-lifecycle,-service-lb-controller' --concurrent-deployment-syncs 10 \
  --concurrent-replicaset-syncs 10 --concurrent-service-endpoint-syncs 10 \
  --node-monitor-grace-period 20s --node-monitor-period 2s --kube-api-qps 200 --kube-api-burst 400 --v 0
start kube-scheduler --kubeconfig "$dir/kubeconfig" --leader-elect=false --secure-port 0 \
  --kube-api-qps 200 --kube-api-burst 400 --v 0
# Container logs: KWOK's kubelet API serves `pods/NAME/log` from the files its Logs objects name
# (tests write them under $dir/logs/app: test/scenarios/support/pod-logs.ts). The nodes advertise KWOK's
# server (InternalIP 127.0.0.1, kubelet port = its port) so the API server's log proxy reaches
# it; KWOK serves HTTPS with the API server's self-signed certificate, which the API server does
# not verify (no --kubelet-certificate-authority). Logs objects live in the API server (CRD),
# so a test adds one for its pod at run time and its namespace's deletion removes it.
kc apply -f "$here/kwok-crds.yaml" >/dev/null
wait_for "the Logs CRD" 30 "$BIN_DIR/kubectl" --kubeconfig "$dir/kubeconfig" wait --for condition=Established --timeout 5s crd/logs.kwok.x-k8s.io
start kwok --kubeconfig "$dir/kubeconfig" --config "$here/kwok-stages.yaml" \
  --manage-nodes-with-annotation-selector kwok.x-k8s.io/node=fake --cidr 10.240.0.1/16 \
  --node-ip 127.0.0.1 --node-port "$kwok_port" --server-address "127.0.0.1:$kwok_port" \
  --tls-cert-file "$dir/certs/apiserver.crt" --tls-private-key-file "$dir/certs/apiserver.key" \
  --enable-crds Logs --v INFO

for i in $(seq 0 $((nodes - 1))); do
  kc apply -f - >/dev/null <<NODE
apiVersion: v1
kind: Node
metadata:
  name: kwok-node-$i
  annotations: {kwok.x-k8s.io/node: fake, node.alpha.kubernetes.io/ttl: "0"}
  labels: {type: kwok, kubernetes.io/hostname: kwok-node-$i, kubernetes.io/os: linux, topology.kubernetes.io/zone: zone-$((i % 3))}
NODE
done
wait_for "$nodes Ready nodes" 60 bash -c "[ \$('$BIN_DIR/kubectl' --kubeconfig '$dir/kubeconfig' get nodes --no-headers 2>/dev/null | grep -cw Ready) -ge $nodes ]"

# Smoke test: a Deployment's pod becomes Ready and its Service gets a ready endpoint.
kc create namespace kubemedic-smoke --dry-run=client -o yaml | kc apply -f - >/dev/null
kc -n kubemedic-smoke apply -f - >/dev/null <<SMOKE
apiVersion: apps/v1
kind: Deployment
metadata: {name: smoke}
spec:
  replicas: 1
  selector: {matchLabels: {app: smoke}}
  template:
    metadata: {labels: {app: smoke}}
    spec: {containers: [{name: app, image: smoke:1, ports: [{containerPort: 8080}]}]}
---
apiVersion: v1
kind: Service
metadata: {name: smoke}
spec: {selector: {app: smoke}, ports: [{port: 80, targetPort: 8080}]}
SMOKE
wait_for "the smoke Service's ready endpoint" 90 bash -c \
  "'$BIN_DIR/kubectl' --kubeconfig '$dir/kubeconfig' -n kubemedic-smoke get endpointslices -l kubernetes.io/service-name=smoke -o jsonpath='{.items[*].endpoints[*].conditions.ready}' | grep -q true"
echo "$BIN_DIR" >"$dir/bin-dir"
log "ready in $(( $(date +%s) - started ))s: export KUBECONFIG=$dir/kubeconfig"
