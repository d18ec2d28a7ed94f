// When the API server cannot be reached, the diagnosis is retried with backoff and then the
// requester gets a clear answer (not silence); /readyz says why the bot is not ready.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { messageText, postCommand, useBotSuite } from '../support/app.js';
import { kubeconfigPath, waitFor } from '../support/cluster.js';

// The test cluster's kubeconfig pointed at a port nothing listens on.
const kubeconfig = join(mkdtempSync(join(tmpdir(), 'kubemedic-')), 'kubeconfig');
writeFileSync(
  kubeconfig,
  readFileSync(kubeconfigPath, 'utf8').replace(
    /server: https:\/\/[^\s]+/,
    'server: https://127.0.0.1:9',
  ),
);
const suite = useBotSuite('unreachable', {
  mode: 'http',
  env: { KUBECONFIG: kubeconfig, KUBEMEDIC_KUBE_TIMEOUT_MS: '1000' },
});

describe('an unreachable API server', () => {
  it('retries, then tells the requester and the thread why there is no diagnosis', async () => {
    const { app, fake } = suite;
    const ready = await fetch(`${app.url}/readyz`);
    expect(ready.status).toBe(503);
    const { problems } = (await ready.json()) as { problems: Record<string, string> };
    expect(problems.kubernetes).toContain('cannot reach the API server at https://127.0.0.1:9');

    const res = await postCommand(app.url, 'api-service -n prod', { channel_id: 'C0DOWN' });
    expect(res.status).toBe(200);

    const told = await fake.waitForCall('chat.postEphemeral', () => true, 30_000);
    expect(messageText(told.args)).toMatch(
      /Could not diagnose api-service: cannot reach the API server at https:\/\/127\.0\.0\.1:9.*Ask again once the cluster answers/s,
    );
    const parent = await waitFor('the parent to say so', async () =>
      fake.messages('C0DOWN').find((m) => messageText(m).includes('Could not diagnose')),
    );
    expect(messageText(parent)).toContain('cannot reach the API server');
  });
});
