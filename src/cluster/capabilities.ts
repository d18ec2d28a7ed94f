// What an agent's identities may do in its cluster, asked of the API server itself
// (SelfSubjectAccessReview): which checks can read what they need (list, cluster-wide), and
// which fixes the remediation identity may apply (each verb on each kind the fix declares).
// The agent publishes it in its heartbeat, so `/diagnose clusters` shows it before anyone asks.
import { CHECKS } from '../diagnosis/registry.js';
import { FIXES } from '../diagnosis/fixes/registry.js';
import type { KubeApi } from './client.js';
import { fieldInfo, kindInfo } from './kinds.js';

interface Access {
  verb: string;
  group: string;
  resource: string;
}

const SSAR_PATH = '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews';

async function allowed(api: KubeApi, a: Access, cache: Map<string, Promise<boolean>>) {
  const key = `${a.verb} ${a.group}/${a.resource}`;
  let answer = cache.get(key);
  if (!answer) {
    answer = api
      .request<{ status?: { allowed?: boolean } }>('POST', SSAR_PATH, {
        body: {
          apiVersion: 'authorization.k8s.io/v1',
          kind: 'SelfSubjectAccessReview',
          spec: { resourceAttributes: { verb: a.verb, group: a.group, resource: a.resource } },
        },
      })
      .then((r) => r.status?.allowed === true);
    cache.set(key, answer);
  }
  return answer;
}

export interface Capabilities {
  checks: string[];
  skippedChecks: string[];
  fixes: string[];
}

export async function capabilitiesOf(reader: KubeApi, writer: KubeApi): Promise<Capabilities> {
  const readCache = new Map<string, Promise<boolean>>();
  const writeCache = new Map<string, Promise<boolean>>();
  const checks: string[] = [];
  const skippedChecks: string[] = [];
  for (const check of CHECKS) {
    const reads = await Promise.all(
      check.reads.map((field) => {
        const info = fieldInfo(field);
        return allowed(
          reader,
          { verb: 'list', group: info.group, resource: info.plural },
          readCache,
        );
      }),
    );
    (reads.every(Boolean) ? checks : skippedChecks).push(check.id);
  }
  const fixes: string[] = [];
  for (const fix of FIXES) {
    const grants = await Promise.all(
      fix.kinds.flatMap(({ kind, verbs }) => {
        const info = kindInfo(kind);
        if (!info) return [Promise.resolve(false)];
        return verbs.map((verb) =>
          allowed(writer, { verb, group: info.group, resource: info.plural }, writeCache),
        );
      }),
    );
    if (grants.every(Boolean)) fixes.push(fix.id);
  }
  return { checks, skippedChecks, fixes };
}
