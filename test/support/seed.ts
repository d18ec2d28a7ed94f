// The seed incident in a fresh namespace of the test cluster, ready to diagnose.
import { apply, createNamespace, kubectl, waitFor } from './cluster.js';

/** The seed incident: a Service selecting `app: api-svc` in front of pods labelled `app: api-service`. */
export const SEED_MANIFESTS = `
apiVersion: apps/v1
kind: Deployment
metadata: {name: api}
spec:
  replicas: 2
  selector: {matchLabels: {app: api-service}}
  template:
    metadata: {labels: {app: api-service}}
    spec: {containers: [{name: app, image: api:1, ports: [{containerPort: 8080}]}]}
---
apiVersion: v1
kind: Service
metadata: {name: api-service}
spec: {selector: {app: api-svc}, ports: [{port: 80, targetPort: 8080}]}
`;

export async function createSeedNamespace(
  prefix: string,
): Promise<{ name: string; cleanup: () => Promise<void> }> {
  const ns = await createNamespace(prefix);
  await apply(ns.name, SEED_MANIFESTS);
  await waitFor(
    'the seed pods to run',
    async () =>
      (await kubectl(['get', 'pods', '-n', ns.name, '--no-headers']))
        .split('\n')
        .filter((l) => l.includes('Running')).length === 2,
  );
  return ns;
}
