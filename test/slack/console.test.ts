// Console mode: no Slack credentials at all. The webhook, the queue and the diagnosis run, and
// what would be posted is printed.
import { describe, expect, it } from 'vitest';
import { postAlert, useBotSuite, zeroEndpointsAlert } from '../support/app.js';
import { waitFor } from '../support/cluster.js';

const printed: string[] = [];
// No Slack variables and no Alertmanager credentials, the open webhook explicitly allowed: a
// newcomer's first run on their own machine.
const suite = useBotSuite('console', {
  mode: 'console',
  env: { ALERTMANAGER_TOKEN: '', KUBEMEDIC_ALLOW_UNAUTHENTICATED_WEBHOOK: 'true' },
  consoleOut: (text) => printed.push(text),
});

describe('console mode', () => {
  it('prints the diagnosis an alert leads to, thread and all', async () => {
    expect(suite.app.mode).toBe('console');
    const res = await postAlert(suite.app.url, zeroEndpointsAlert(suite.ns), {});
    expect(res.status).toBe(200);

    const output = await waitFor(
      'the printed diagnosis',
      async () => {
        const all = printed.join('');
        // The notes message, last of the thread, ends with how to reproduce the diagnosis.
        return all.includes('· details in the thread') && all.includes('reproduce:')
          ? all
          : undefined;
      },
      30_000,
    );
    expect(output).toContain('── console · message');
    expect(output).toMatch(
      /Root cause `service\.selector-mismatch`: Service api-service selects no pods: app: api-svc vs api-service/,
    );
    expect(output).toMatch(
      /reply in thread[\s\S]*\$ kubectl get pods -n console-\w+ -o '?custom-columns=NAME:\.metadata\.name,LABELS:\.metadata\.labels'?\n.*NAME +LABELS\n.*map\[app:api-service /,
    );
    expect(output).toContain('[Approve] [Reject]');
    expect(output).not.toMatch(/&lt;|&gt;|&amp;/);
  });
});
