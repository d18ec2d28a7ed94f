// Which object an alert is about, from its labels.
import { describe, expect, it } from 'vitest';
import { channelFor } from '../../src/alerts/channels.js';
import { AlertmanagerPayloadSchema } from '../../src/alerts/schema.js';
import { targetOfAlert, targetsOfAlerts } from '../../src/alerts/targets.js';
import { zeroEndpointsAlert } from '../support/app.js';

describe('targets from alert labels', () => {
  it('takes service, endpoint, ingress, Istio destination, deployment, pod in that order', () => {
    const ns = { namespace: 'prod' };
    expect(targetOfAlert({ ...ns, service: 'api', pod: 'api-1' }, 'c')).toEqual({
      kind: 'Service',
      name: 'api',
      namespace: 'prod',
      cluster: 'c',
    });
    expect(targetOfAlert({ ...ns, endpoint: 'api' }, 'c')?.kind).toBe('Service');
    expect(targetOfAlert({ ...ns, ingress: 'web', deployment: 'api' }, 'c')?.kind).toBe('Ingress');
    expect(
      targetOfAlert(
        { destination_workload: 'reviews-v2', destination_workload_namespace: 'shop' },
        'c',
      ),
    ).toMatchObject({ kind: 'Deployment', name: 'reviews-v2', namespace: 'shop' });
    expect(targetOfAlert({ ...ns, deployment: 'api', pod: 'api-1' }, 'c')?.kind).toBe('Deployment');
    expect(targetOfAlert({ ...ns, pod: 'api-1' }, 'c')?.kind).toBe('Pod');
    // No namespace, or no name that is a valid object name: no target.
    expect(targetOfAlert({ service: 'api' }, 'c')).toBeUndefined();
    expect(targetOfAlert({ ...ns, service: 'Not A Name', pod: 'api-1' }, 'c')?.kind).toBe('Pod');
  });

  it('turns CoreDNS and kube-proxy alerts into a kube-system namespace diagnosis (the dns layer)', () => {
    const dnsAlerts: Record<string, string>[] = [
      { namespace: 'kube-system', deployment: 'coredns' },
      { namespace: 'kube-system', service: 'kube-dns' },
      { namespace: 'kube-system', daemonset: 'kube-proxy' },
      { namespace: 'kube-system', pod: 'coredns-7db6d8ff4d-x2x9z' },
    ];
    for (const labels of dnsAlerts)
      expect(targetOfAlert(labels, 'c')).toEqual({
        kind: 'Namespace',
        name: 'kube-system',
        namespace: 'kube-system',
        cluster: 'c',
      });
    expect(targetOfAlert({ namespace: 'kube-system', service: 'metrics-server' }, 'c')?.kind).toBe(
      'Service',
    );
  });

  it('diagnoses each firing target once, and maps the group to a channel', () => {
    const payload = AlertmanagerPayloadSchema.parse(zeroEndpointsAlert('prod'));
    const twice = { ...payload, alerts: [...payload.alerts, ...payload.alerts] };
    expect(targetsOfAlerts(twice.alerts, 'c')).toHaveLength(1);
    expect(channelFor(payload, [{ label: 'namespace', value: 'prod', channel: 'C1' }], 'C0')).toBe(
      'C1',
    );
    expect(channelFor(payload, [{ label: 'team', value: 'x', channel: 'C1' }], 'C0')).toBe('C0');
  });
});
