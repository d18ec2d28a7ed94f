// Identity of API objects as findings name them.
import type { KubeObject } from '../../cluster/k8s-types.js';
import type { ObjectRef } from '../types.js';

export function ref(kind: string, o: KubeObject): ObjectRef {
  return { kind, namespace: o.metadata.namespace, name: o.metadata.name };
}

export function key(o: KubeObject): string {
  return `${o.kind ?? ''}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
}

export function unique<T>(items: T[]): T[] {
  return [...new Set(items)];
}
