// An agent's /readyz while its Redis is gone: an agent that cannot reach Redis takes no work, so
// it must say not ready, and say why, promptly (the ping is bounded: a half-open connection would
// otherwise hold the probe until the kubelet gives up with no reason).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubeconfigPath, waitFor } from '../support/cluster.js';
import { type KubemedicProcess, startKubemedic } from '../support/kubemedic-process.js';
import { TestRedisServer } from '../support/redis-server.js';
import { uniquePrefix } from '../support/app.js';

let redis: TestRedisServer;
let agent: KubemedicProcess;

beforeAll(async () => {
  redis = await TestRedisServer.start();
  agent = await startKubemedic({
    KUBEMEDIC_ROLE: 'agent',
    KUBEMEDIC_CLUSTER: 'alpha',
    KUBECONFIG: kubeconfigPath,
    REDIS_URL: redis.url,
    KUBEMEDIC_QUEUE_PREFIX: uniquePrefix('agent-readyz'),
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
  });
});

afterAll(async () => {
  await agent?.stop('SIGKILL');
  await redis?.stop();
});

const readyz = async () => {
  const res = await fetch(`${agent.url}/readyz`, { signal: AbortSignal.timeout(5000) });
  return { status: res.status, body: (await res.json()) as { problems?: Record<string, string> } };
};

describe('agent /readyz', () => {
  it('is ready with Redis and the cluster, and says Redis is down without it, and recovers', async () => {
    await waitFor('the agent to be ready', async () => (await readyz()).status === 200);
    await redis.stop();
    const down = await readyz();
    expect(down.status).toBe(503);
    expect(down.body.problems?.redis).toMatch(/^redis:\/\/127\.0\.0\.1:\d+: /);
    expect(down.body.problems?.kubernetes).toBeUndefined();
    await redis.restart();
    await waitFor(
      'the agent to be ready again',
      async () => (await readyz()).status === 200,
      30_000,
    );
    expect(agent.exit()).toBeUndefined();
  });
});
