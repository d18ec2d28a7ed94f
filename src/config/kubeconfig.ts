// Whether any kubeconfig is there to load, before the client library falls back to
// http://localhost:8080 (whose failure reads as a TLS rule, not as "no kubeconfig").
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';

/**
 * Why no cluster can be reached ("KUBECONFIG unset, ~/.kube/config absent"), or undefined when
 * a kubeconfig file or an in-cluster service account is there. A KUBECONFIG naming a missing
 * file is a mistake the client reports, not a first run.
 */
export function missingKubeconfig(
  env: NodeJS.ProcessEnv = process.env,
  home = homedir(),
): string | undefined {
  if (env.KUBERNETES_SERVICE_HOST) return undefined;
  if (env.KUBECONFIG?.split(delimiter).some(Boolean)) return undefined;
  if (existsSync(join(home, '.kube', 'config'))) return undefined;
  return 'KUBECONFIG unset, ~/.kube/config absent';
}
