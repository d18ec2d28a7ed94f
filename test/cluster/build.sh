#!/usr/bin/env bash
# Builds the test control plane from source through the Go module proxy into a cache outside
# the repo, keyed by version. Binaries already in the cache are not rebuilt.
#   build.sh           the control plane and the infra test tools (helm, promtool, amtool,
#                      the Prometheus server)
#   build.sh cluster   the control plane only (what `npm run cluster:up` needs)
#   build.sh prometheus  the Prometheus server only (the incident-picture tests)
# Two builds at once (a `cluster:up` while `npm test` sets up) share the cache's work folder,
# so one lock on the cache serialises them: the second waits, then finds the binaries built.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/versions.sh"

command -v go >/dev/null || { echo "Go is required to build the test control plane (Go 1.26+); install it and retry." >&2; exit 1; }
export CGO_ENABLED=0 GOTOOLCHAIN=local GOFLAGS=-mod=mod
what="${1:-all}"
case "$what" in all | cluster | prometheus) ;; *) echo "usage: build.sh [all|cluster|prometheus]" >&2; exit 2 ;; esac

have() { [ -x "$BIN_DIR/$1" ]; }
log() { echo "[build] $(date +%H:%M:%S) $*"; }

# A control plane already built needs no lock: a second one (multi-cluster suites) starts at
# once even while another build holds the lock for the infra tools.
if [ "$what" = cluster ] && have etcd && have kwok && have kube-apiserver &&
  have kube-controller-manager && have kube-scheduler && have kubectl; then
  exit 0
fi

mkdir -p "$CACHE_ROOT"
lock="$CACHE_ROOT/build.lock"
# The lock is held on fd 9 until this script exits (however it exits); the kernel drops it.
exec 9>>"$lock"
if ! flock -n 9; then
  log "waiting for another build (lock $lock)"
  flock 9
  log "the other build finished; going on"
fi

mkdir -p "$BIN_DIR"
work="$CACHE_ROOT/work"
mkdir -p "$work"

build_kubernetes() {
  local mods=(api apiextensions-apiserver apimachinery apiserver cli-runtime client-go cloud-provider
    cluster-bootstrap code-generator component-base component-helpers controller-manager cri-api
    cri-client cri-streaming csi-translation-lib dynamic-resource-allocation endpointslice externaljwt
    kms kube-aggregator kube-controller-manager kube-proxy kube-scheduler kubectl kubelet metrics
    mount-utils pod-security-admission sample-apiserver sample-cli-plugin sample-controller streaming)
  local dir="$work/kubernetes-$K8S_VERSION"
  mkdir -p "$dir"
  {
    echo "module kubemedic.test/k8sbuild"
    echo
    echo "go 1.26"
    echo
    echo "require k8s.io/kubernetes $K8S_VERSION"
    echo
    echo "replace ("
    for m in "${mods[@]}"; do echo "	k8s.io/$m => k8s.io/$m $K8S_STAGING_VERSION"; done
    echo ")"
  } >"$dir/go.mod"
  local cmds=(kube-apiserver kube-controller-manager kube-scheduler kubectl)
  local pkgs=()
  for c in "${cmds[@]}"; do pkgs+=("k8s.io/kubernetes/cmd/$c"); done
  local minor="${K8S_VERSION#v1.}"; minor="${minor%%.*}"
  local ld="-s -w -X k8s.io/component-base/version.gitVersion=$K8S_VERSION -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$minor -X k8s.io/client-go/pkg/version.gitVersion=$K8S_VERSION"
  (
    cd "$dir"
    log "resolving k8s.io/kubernetes $K8S_VERSION modules"
    go get "${pkgs[@]/%/@$K8S_VERSION}" >/dev/null 2>&1 || go get "${pkgs[@]}"
    for c in "${cmds[@]}"; do
      have "$c" && continue
      log "building $c"
      go build -trimpath -ldflags "$ld" -o "$BIN_DIR/$c.tmp" "k8s.io/kubernetes/cmd/$c"
      mv "$BIN_DIR/$c.tmp" "$BIN_DIR/$c"
    done
  )
}

build_etcd() {
  local dir="$work/etcd-$ETCD_VERSION"
  mkdir -p "$dir"
  printf 'module kubemedic.test/etcdbuild\n\ngo 1.26\n\nrequire go.etcd.io/etcd/server/v3 %s\n' "$ETCD_VERSION" >"$dir/go.mod"
  (
    cd "$dir"
    log "building etcd $ETCD_VERSION"
    go get "go.etcd.io/etcd/server/v3@$ETCD_VERSION"
    go build -trimpath -ldflags "-s -w" -o "$BIN_DIR/etcd.tmp" go.etcd.io/etcd/server/v3
    mv "$BIN_DIR/etcd.tmp" "$BIN_DIR/etcd"
  )
}

build_kwok() {
  log "building kwok $KWOK_VERSION"
  GOBIN="$work/kwok-gobin" go install -trimpath -ldflags "-s -w" "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION"
  mv "$work/kwok-gobin/kwok" "$BIN_DIR/kwok"
}

build_helm() {
  local dir="$work/helm-$HELM_VERSION"
  mkdir -p "$dir" "$(dirname "$HELM_BIN")"
  log "building helm $HELM_VERSION"
  GOBIN="$dir" go install -trimpath \
    -ldflags "-s -w -X helm.sh/helm/v4/internal/version.version=$HELM_VERSION -X helm.sh/helm/v4/internal/version.metadata=" \
    "helm.sh/helm/v4/cmd/helm@$HELM_VERSION"
  mv "$dir/helm" "$HELM_BIN"
}

# Prometheus' go.mod has a replace directive (cloud.google.com/go), so `go install pkg@version`
# refuses it; a wrapper module that repeats the replace builds the upstream mains instead.
# promtool and the server share it (and the module cache).
prometheus_wrapper() {
  local dir="$work/prometheus-$PROMETHEUS_VERSION"
  mkdir -p "$dir"
  [ -s "$dir/go.mod" ] && grep -q "^require github.com/prometheus/prometheus $PROMETHEUS_VERSION" "$dir/go.mod" && return 0
  local replaces
  replaces="$(go mod download -json "github.com/prometheus/prometheus@$PROMETHEUS_VERSION" |
    sed -n 's/.*"GoMod": "\(.*\)".*/\1/p' |
    xargs awk '/^replace \(/ { b = 1 } b { print; if (/^\)/) b = 0; next } /^replace / { print }')"
  printf 'module kubemedic.test/promtoolbuild\n\ngo 1.26\n\nrequire github.com/prometheus/prometheus %s\n\n%s\n' \
    "$PROMETHEUS_VERSION" "$replaces" >"$dir/go.mod"
}

# build_prometheus_cmd NAME OUT [TAGS]: builds github.com/prometheus/prometheus/cmd/NAME.
build_prometheus_cmd() {
  local name="$1" out="$2" tags="${3:-}"
  local dir="$work/prometheus-$PROMETHEUS_VERSION"
  local v="${PROMETHEUS_VERSION#v0.}" # v0.315.0 is Prometheus 3.15.0
  local release="$((${v%%.*} / 100)).$((${v%%.*} % 100)).${v#*.}"
  prometheus_wrapper
  mkdir -p "$(dirname "$out")"
  (
    cd "$dir"
    log "building $name (prometheus $PROMETHEUS_VERSION${tags:+, tags $tags})"
    go get "github.com/prometheus/prometheus/cmd/$name@$PROMETHEUS_VERSION"
    go build -trimpath -tags "$tags" -ldflags "-s -w -X github.com/prometheus/common/version.Version=$release" \
      -o "$out.tmp" "github.com/prometheus/prometheus/cmd/$name"
    mv "$out.tmp" "$out"
  )
}

build_promtool() { build_prometheus_cmd promtool "$PROMTOOL_BIN"; }

# The server the picture tests query (query_range); it scrapes a static target, so no service
# discovery is compiled in (remove_all_sd, Prometheus >= 3.10): a smaller, faster build.
build_prometheus() { build_prometheus_cmd prometheus "$PROMETHEUS_BIN" remove_all_sd; }

build_amtool() {
  local dir="$work/amtool-$ALERTMANAGER_VERSION"
  mkdir -p "$dir" "$(dirname "$AMTOOL_BIN")"
  log "building amtool (alertmanager $ALERTMANAGER_VERSION)"
  GOBIN="$dir" go install -trimpath \
    -ldflags "-s -w -X github.com/prometheus/common/version.Version=${ALERTMANAGER_VERSION#v}" \
    "github.com/prometheus/alertmanager/cmd/amtool@$ALERTMANAGER_VERSION"
  mv "$dir/amtool" "$AMTOOL_BIN"
}

if [ "$what" = prometheus ]; then
  [ -x "$PROMETHEUS_BIN" ] || build_prometheus
  exit 0
fi
have etcd || build_etcd
have kwok || build_kwok
{ have kube-apiserver && have kube-controller-manager && have kube-scheduler && have kubectl; } || build_kubernetes
log "control plane binaries ready in $BIN_DIR"
[ "$what" = cluster ] && exit 0
[ -x "$HELM_BIN" ] || build_helm
[ -x "$PROMTOOL_BIN" ] || build_promtool
[ -x "$AMTOOL_BIN" ] || build_amtool
[ -x "$PROMETHEUS_BIN" ] || build_prometheus
log "infra test tools ready: $HELM_BIN $PROMTOOL_BIN $AMTOOL_BIN $PROMETHEUS_BIN"
