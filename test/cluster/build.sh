#!/usr/bin/env bash
# Builds the test control plane from source through the Go module proxy into a cache outside
# the repo, keyed by version. Binaries already in the cache are not rebuilt.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/versions.sh"

command -v go >/dev/null || { echo "Go is required to build the test control plane (Go 1.26+); install it and retry." >&2; exit 1; }
export CGO_ENABLED=0 GOTOOLCHAIN=local GOFLAGS=-mod=mod
mkdir -p "$BIN_DIR"
work="$CACHE_ROOT/work"
mkdir -p "$work"

have() { [ -x "$BIN_DIR/$1" ]; }
log() { echo "[build] $(date +%H:%M:%S) $*"; }

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

have etcd || build_etcd
have kwok || build_kwok
{ have kube-apiserver && have kube-controller-manager && have kube-scheduler && have kubectl; } || build_kubernetes
log "control plane binaries ready in $BIN_DIR"
