// `npm run fuzz`: the long fuzz run (10,000 requests unless KUBEMEDIC_FUZZ_COUNT says otherwise)
// against kubemedic as its own process; prints the figures and exits non-zero on any failure.
import { ALERT_TOKEN, SIGNING_SECRET, uniquePrefix } from '../support/app.js';
import { startBotProcess } from '../support/bot-process.js';
import { runFuzz } from './drive.js';

const count = Number(process.env.KUBEMEDIC_FUZZ_COUNT ?? 10_000);
const seed = Number(process.env.KUBEMEDIC_FUZZ_SEED ?? Date.now() % 2 ** 31);

const bot = await startBotProcess(uniquePrefix('fuzz'));
const started = performance.now();
try {
  const result = await runFuzz({
    url: bot.url,
    count,
    seed,
    signingSecret: SIGNING_SECRET,
    alertToken: ALERT_TOKEN,
    dead: bot.exit,
  });
  const seconds = (performance.now() - started) / 1000;
  const healthy = (await fetch(`${bot.url}/healthz`).catch(() => undefined))?.status === 200;
  const unhandled = (bot.out.stdout.match(/unhandled promise rejection|uncaught exception/g) ?? [])
    .length;
  console.log(
    JSON.stringify(
      {
        seed,
        requests: result.requests,
        seconds: Math.round(seconds * 10) / 10,
        statuses: result.statuses,
        latencyMs: result.latencyMs,
        failures: result.failures.length,
        processExited: result.died ?? bot.exit() ?? false,
        healthzAfter: healthy,
        unhandledRejections: unhandled,
      },
      null,
      2,
    ),
  );
  for (const f of result.failures.slice(0, 20)) console.log(JSON.stringify(f));
  process.exitCode = result.failures.length || result.died || !healthy || unhandled ? 1 : 0;
} finally {
  await bot.stop();
}
