// The kinds table is the one source of REST paths: the gatherer reads and the apply path writes
// through it. These are the paths the API server serves, written out by hand to compare against.
import { describe, expect, it } from 'vitest';
import { fieldPath, groupPath } from '../../src/cluster/kinds.js';
import { resourcePath } from '../../src/remediation/apply.js';

describe('paths from the kinds table', () => {
  it('builds core, grouped, cluster-scoped and discovered-version paths', () => {
    expect(fieldPath('pods', { namespace: 'shop' })).toBe('/api/v1/namespaces/shop/pods');
    expect(fieldPath('services')).toBe('/api/v1/services');
    expect(fieldPath('nodes', { name: 'n1' })).toBe('/api/v1/nodes/n1');
    expect(fieldPath('hpas', { namespace: 'shop' })).toBe(
      '/apis/autoscaling/v2/namespaces/shop/horizontalpodautoscalers',
    );
    expect(fieldPath('podMetrics', { namespace: 'shop' })).toBe(
      '/apis/metrics.k8s.io/v1beta1/namespaces/shop/pods',
    );
    expect(fieldPath('virtualServices', { namespace: 'shop', version: 'v1' })).toBe(
      '/apis/networking.istio.io/v1/namespaces/shop/virtualservices',
    );
    expect(groupPath('gateway.networking.k8s.io')).toBe('/apis/gateway.networking.k8s.io');
  });

  it('addresses a plan object at the version it was read at', () => {
    const route = {
      kind: 'HTTPRoute',
      apiVersion: 'gateway.networking.k8s.io/v1beta1',
      namespace: 'shop',
      name: 'web',
    };
    expect(resourcePath(route)).toBe(
      '/apis/gateway.networking.k8s.io/v1beta1/namespaces/shop/httproutes/web',
    );
    expect(
      resourcePath(
        { kind: 'NetworkPolicy', apiVersion: 'networking.k8s.io/v1', namespace: 'shop', name: 'x' },
        false,
      ),
    ).toBe('/apis/networking.k8s.io/v1/namespaces/shop/networkpolicies');
    expect(
      resourcePath({ kind: 'Service', apiVersion: 'v1', namespace: 'shop', name: 'web' }),
    ).toBe('/api/v1/namespaces/shop/services/web');
    expect(() => resourcePath({ kind: 'Widget', apiVersion: 'v1', name: 'w' })).toThrow(/Widget/);
  });
});
