# Versions of the test control plane; the build cache is keyed by these.
K8S_VERSION=v1.36.3
K8S_STAGING_VERSION=v0.36.3
ETCD_VERSION=v3.6.16
KWOK_VERSION=v0.8.0
CACHE_ROOT="${KUBEMEDIC_CACHE:-$HOME/.cache/kubemedic}"
BIN_DIR="$CACHE_ROOT/bin-k8s-$K8S_VERSION-etcd-$ETCD_VERSION-kwok-$KWOK_VERSION"
# Tools the infra tests use (test/infra): Helm renders and lints the chart, promtool checks and
# unit-tests the alert rules, amtool checks the Alertmanager example and its routing, the
# Prometheus server answers query_range for the incident picture. Each is
# built from source into its own directory, keyed by its version.
HELM_VERSION=v4.3.1
PROMETHEUS_VERSION=v0.315.0 # the Go module version of Prometheus 3.15.0, which ships promtool
ALERTMANAGER_VERSION=v0.34.2
HELM_BIN="$CACHE_ROOT/bin-helm-$HELM_VERSION/helm"
PROMTOOL_BIN="$CACHE_ROOT/bin-promtool-$PROMETHEUS_VERSION/promtool"
AMTOOL_BIN="$CACHE_ROOT/bin-amtool-$ALERTMANAGER_VERSION/amtool"
# The Prometheus server the incident-picture tests query (query_range), same version as promtool.
PROMETHEUS_BIN="$CACHE_ROOT/bin-prometheus-$PROMETHEUS_VERSION/prometheus"
