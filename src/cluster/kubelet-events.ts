// What the kubelet's Events about a namespace's pods say its backends will need, read before the
// pods are: a crash-looping container (BackOff, whose previous log a diagnosis shows) and a
// ConfigMap or Secret a container cannot be created without (Failed). The wording is the
// kubelet's (pkg/kubelet/kuberuntime): "Back-off restarting failed container NAME in pod POD" on
// the container's reference (fieldPath `spec.containers{NAME}` or `spec.initContainers{NAME}`),
// and "Error: " with the error of the container's environment: `configmap "X" not found`,
// `secret "X" not found`, `couldn't find key K in ConfigMap NS/X` (or Secret).
import type { KubeEvent } from './k8s-types.js';

/** A container the kubelet backs off restarting: it crash-loops. */
export interface BackOffSignal {
  pod: string;
  container: string;
  /** When the kubelet last said so (ISO time; '' when the event has none). */
  at: string;
}

/** A ConfigMap or Secret a pod's container could not be created without. */
export interface ConfigSignal {
  pod: string;
  kind: 'ConfigMap' | 'Secret';
  name: string;
}

export interface KubeletSignals {
  backOff: BackOffSignal[];
  config: ConfigSignal[];
}

const CONTAINER_REF = /^spec\.(?:initContainers|containers|ephemeralContainers)\{([^}]+)\}$/;
const BACK_OFF = /^Back-off restarting failed container (\S+) in pod /;
const NOT_FOUND = /^Error: (configmap|secret) "([^"]+)" not found/;
const MISSING_KEY = /^Error: couldn't find key \S+ in (ConfigMap|Secret) [^/\s]+\/(\S+)/;

/** The crash loops and missing configuration that the events about `namespace`'s pods report. */
export function kubeletSignals(events: KubeEvent[], namespace: string): KubeletSignals {
  const backOff = new Map<string, BackOffSignal>();
  const config = new Map<string, ConfigSignal>();
  for (const e of events) {
    const about = e.involvedObject ?? e.regarding;
    const pod = about?.name;
    if (about?.kind !== 'Pod' || !pod || (about.namespace ?? namespace) !== namespace) continue;
    const message = e.message ?? e.note ?? '';
    if (e.reason === 'BackOff') {
      const said = BACK_OFF.exec(message);
      if (!said) continue; // An image pull backs off too ("Back-off pulling image").
      const container = CONTAINER_REF.exec(about.fieldPath ?? '')?.[1] ?? said[1] ?? '';
      const at = e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? '';
      const key = `${pod}/${container}`;
      const seen = backOff.get(key);
      if (!seen || seen.at < at) backOff.set(key, { pod, container, at });
    } else if (e.reason === 'Failed') {
      const notFound = NOT_FOUND.exec(message);
      const missingKey = notFound ? undefined : MISSING_KEY.exec(message);
      const kind =
        notFound?.[1] === 'configmap' || missingKey?.[1] === 'ConfigMap' ? 'ConfigMap' : 'Secret';
      const name = notFound?.[2] ?? missingKey?.[2];
      if (name) config.set(`${pod}/${kind}/${name}`, { pod, kind, name });
    }
  }
  return {
    // The newest first: a container still crash-looping is backed off again every few minutes.
    backOff: [...backOff.values()].sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0)),
    config: [...config.values()],
  };
}
