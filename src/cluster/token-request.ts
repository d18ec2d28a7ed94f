// The fix identity's credentials as short-lived tokens: the TokenRequest API mints a token of the
// remediation ServiceAccount (minutes, bound to this pod when its name and uid are known), and a
// new one is minted before it expires. A pod is issued projected tokens of its own ServiceAccount
// only, so this is how a second identity gets expiring tokens instead of a long-lived Secret.
import { KubeConfig } from '@kubernetes/client-node';
import { KubeApi } from './client.js';

export interface ServiceAccountRef {
  namespace: string;
  name: string;
}

export interface TokenOptions {
  /** Lifetime asked for (the API server's minimum is 600). */
  expirationSeconds: number;
  /** Binds the token to this pod: it stops working when the pod is deleted. */
  boundPod?: { name: string; uid: string };
  now?: () => number;
}

interface TokenRequestStatus {
  status?: { token?: string; expirationTimestamp?: string };
}

/**
 * A source of bearer tokens for `sa`, minted by `minter` (which needs `create` on
 * `serviceaccounts/token` for that ServiceAccount) and renewed once 80% of a token's life is gone.
 */
export function serviceAccountTokens(
  minter: KubeApi,
  sa: ServiceAccountRef,
  opts: TokenOptions,
): () => Promise<string> {
  const now = opts.now ?? Date.now;
  let current: { token: string; renewAt: number } | undefined;
  let pending: Promise<string> | undefined;
  const mint = async (): Promise<string> => {
    const issued = now();
    const res = await minter.request<TokenRequestStatus>(
      'POST',
      `/api/v1/namespaces/${encodeURIComponent(sa.namespace)}/serviceaccounts/${encodeURIComponent(sa.name)}/token`,
      {
        body: {
          apiVersion: 'authentication.k8s.io/v1',
          kind: 'TokenRequest',
          spec: {
            expirationSeconds: opts.expirationSeconds,
            ...(opts.boundPod
              ? { boundObjectRef: { apiVersion: 'v1', kind: 'Pod', ...opts.boundPod } }
              : {}),
          },
        },
      },
    );
    const token = res.status?.token;
    if (!token)
      throw new Error(`no token in the TokenRequest answer for ${sa.namespace}/${sa.name}`);
    const expires = Date.parse(res.status?.expirationTimestamp ?? '');
    const life = Number.isNaN(expires) ? opts.expirationSeconds * 1000 : expires - issued;
    current = { token, renewAt: issued + life * 0.8 };
    return token;
  };
  return async () => {
    if (current && now() < current.renewAt) return current.token;
    // Concurrent writes share one mint.
    pending ??= mint().finally(() => {
      pending = undefined;
    });
    return pending;
  };
}

/** An API client for the same cluster as `base`, authenticated only by `token()`. */
export function tokenClient(
  base: KubeApi,
  token: () => Promise<string>,
  timeoutMs?: number,
): KubeApi {
  const cluster = base.kubeConfig.getCurrentCluster();
  if (!cluster) throw new Error('no cluster to mint tokens for');
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [cluster],
    users: [{ name: 'remediation' }],
    contexts: [{ name: 'remediation', cluster: cluster.name, user: 'remediation' }],
    currentContext: 'remediation',
  });
  return new KubeApi(kc, { timeoutMs, bearerToken: token });
}
