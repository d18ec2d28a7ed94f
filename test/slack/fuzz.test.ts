// A standing, seeded fuzz of kubemedic's HTTP edge against the bot as its own process: a few
// thousand generated requests (Slack signed and not, Alertmanager with and without the token,
// the operational endpoints; garbage shapes, types, sizes and encodings). The process must not
// exit, nothing may answer 5xx but the documented 503s, and no request may hang.
// KUBEMEDIC_FUZZ_COUNT and KUBEMEDIC_FUZZ_SEED change the run; `npm run fuzz` is the long one.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALERT_TOKEN, SIGNING_SECRET, uniquePrefix } from '../support/app.js';
import { type BotProcess, startBotProcess } from '../support/bot-process.js';
import { runFuzz } from '../fuzz/drive.js';

const COUNT = Number(process.env.KUBEMEDIC_FUZZ_COUNT ?? 2000);
const SEED = Number(process.env.KUBEMEDIC_FUZZ_SEED ?? 20261130);

let bot: BotProcess;
beforeAll(async () => {
  bot = await startBotProcess(uniquePrefix('fuzz'));
});
afterAll(async () => bot?.stop());

describe('fuzz of the HTTP edge', () => {
  it(`${COUNT} requests from seed ${SEED}: no exit, no 5xx, no hang`, async () => {
    const result = await runFuzz({
      url: bot.url,
      count: COUNT,
      seed: SEED,
      signingSecret: SIGNING_SECRET,
      alertToken: ALERT_TOKEN,
      dead: bot.exit,
    });
    const context = `seed ${SEED}; ${JSON.stringify(result.statuses)}; log tail: ${bot.out.stdout.slice(-2000)} ${bot.out.stderr.slice(-2000)}`;
    expect(result.died, context).toBeUndefined();
    expect(result.failures.slice(0, 10), context).toEqual([]);
    expect(result.requests).toBe(COUNT);
    expect(result.answered).toBeGreaterThan(COUNT * 0.98);
    // Still serving, and nothing was left to an unhandled rejection.
    expect((await fetch(`${bot.url}/healthz`)).status).toBe(200);
    expect(bot.out.stdout).not.toMatch(/unhandled promise rejection|uncaught exception/);
  });
});
