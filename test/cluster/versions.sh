# Versions of the test control plane; the build cache is keyed by these.
K8S_VERSION=v1.36.3
K8S_STAGING_VERSION=v0.36.3
ETCD_VERSION=v3.6.16
KWOK_VERSION=v0.8.0
CACHE_ROOT="${KUBEMEDIC_CACHE:-$HOME/.cache/kubemedic}"
BIN_DIR="$CACHE_ROOT/bin-k8s-$K8S_VERSION-etcd-$ETCD_VERSION-kwok-$KWOK_VERSION"
