// The kubelet's events read as what the backends will need (src/cluster/kubelet-events.ts): the
// messages are the kubelet's own wording (pkg/kubelet/kuberuntime), as `kubectl describe pod`
// shows them.
import { describe, expect, it } from 'vitest';
import type { KubeEvent } from '../../src/cluster/k8s-types.js';
import { kubeletSignals } from '../../src/cluster/kubelet-events.js';

const NS = 'shop';
const about = (pod: string, fieldPath?: string, namespace = NS) => ({
  kind: 'Pod',
  name: pod,
  namespace,
  ...(fieldPath ? { fieldPath } : {}),
});
const ev = (e: Partial<KubeEvent>): KubeEvent => ({
  metadata: { name: `e-${Math.random()}`, namespace: NS },
  type: 'Warning',
  ...e,
});

describe('kubeletSignals', () => {
  it('reads a crash loop from BackOff, the container from the fieldPath, the newest first', () => {
    const s = kubeletSignals(
      [
        ev({
          involvedObject: about('web-1', 'spec.initContainers{migrate}'),
          reason: 'BackOff',
          message: 'Back-off restarting failed container migrate in pod web-1_shop(0d1f)',
          lastTimestamp: '2026-03-01T11:00:00Z',
        }),
        ev({
          involvedObject: about('web-2', 'spec.containers{web}'),
          reason: 'BackOff',
          message: 'Back-off restarting failed container web in pod web-2_shop(9a2c)',
          lastTimestamp: '2026-03-01T11:30:00Z',
        }),
        // No fieldPath: the container is the one the message names.
        ev({
          involvedObject: about('web-3'),
          reason: 'BackOff',
          message: 'Back-off restarting failed container sidecar in pod web-3_shop(77aa)',
          lastTimestamp: '2026-03-01T10:00:00Z',
        }),
        // events.k8s.io/v1 words: regarding and note.
        ev({
          regarding: about('web-4', 'spec.containers{web}'),
          reason: 'BackOff',
          note: 'Back-off restarting failed container web in pod web-4_shop(1234)',
          eventTime: '2026-03-01T11:45:00Z',
        }),
      ],
      NS,
    );
    expect(s.backOff.map((b) => `${b.pod}/${b.container}`)).toEqual([
      'web-4/web',
      'web-2/web',
      'web-1/migrate',
      'web-3/sidecar',
    ]);
    expect(s.config).toEqual([]);
  });

  it('does not take an image pull backing off, another namespace, or another kind for a crash', () => {
    const s = kubeletSignals(
      [
        ev({
          involvedObject: about('web-1', 'spec.containers{web}'),
          reason: 'BackOff',
          message: 'Back-off pulling image "registry.example/web:9"',
        }),
        ev({
          involvedObject: about('web-1', 'spec.containers{web}', 'other'),
          reason: 'BackOff',
          message: 'Back-off restarting failed container web in pod web-1_other(1)',
        }),
        ev({
          involvedObject: { kind: 'Node', name: 'node-1' },
          reason: 'BackOff',
          message: 'Back-off restarting failed container web in pod x',
        }),
      ],
      NS,
    );
    expect(s).toEqual({ backOff: [], config: [] });
  });

  it('reads the missing ConfigMap or Secret (or key) from Failed', () => {
    const s = kubeletSignals(
      [
        ev({
          involvedObject: about('web-1', 'spec.containers{web}'),
          reason: 'Failed',
          message: 'Error: configmap "app-config" not found',
        }),
        ev({
          involvedObject: about('web-2', 'spec.containers{web}'),
          reason: 'Failed',
          message: 'Error: secret "db-credentials" not found',
        }),
        ev({
          involvedObject: about('web-3', 'spec.containers{web}'),
          reason: 'Failed',
          message: "Error: couldn't find key DATABASE_URL in ConfigMap shop/app-settings",
        }),
        ev({
          involvedObject: about('web-4', 'spec.containers{web}'),
          reason: 'Failed',
          message: "Error: couldn't find key password in Secret shop/db",
        }),
        // Another failure of the same reason names nothing to read.
        ev({
          involvedObject: about('web-5', 'spec.containers{web}'),
          reason: 'Failed',
          message: 'Error: ErrImagePull',
        }),
      ],
      NS,
    );
    expect(s.config).toEqual([
      { pod: 'web-1', kind: 'ConfigMap', name: 'app-config' },
      { pod: 'web-2', kind: 'Secret', name: 'db-credentials' },
      { pod: 'web-3', kind: 'ConfigMap', name: 'app-settings' },
      { pod: 'web-4', kind: 'Secret', name: 'db' },
    ]);
  });
});
