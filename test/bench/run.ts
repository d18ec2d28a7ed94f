// `npm run bench`: speed and scale figures on the live test cluster, written to
// bench-results/bench.json (ignored by git, as figures belong to the machine that made them;
// the ones committed were added by hand with `git add -f` as a record of issue 11's machine) and
// printed as a table. With no argument it measures CLI start-up (`cli`) and the bot's ack
// latency and memory (`ack`), a few minutes; name sections to choose (`npm run bench --
// diagnosis rounds slack remediation`, or `all`). Benchmarks are not tests: nothing here asserts a time.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../support/cluster.js';
import { type AckBench, benchAck } from './ack.js';
import { type CliBench, benchCli } from './cli.js';
import { benchDiagnosis } from './diagnosis.js';
import { benchRemediation } from './remediation.js';
import { type RoundsBench, benchRounds } from './rounds.js';
import { benchSlack } from './slack.js';

const out = join(repoRoot, 'bench-results', 'bench.json');
const only = process.argv.slice(2);
const chosen = only.length === 0 ? ['cli', 'ack'] : only;
const want = (name: string) => chosen.includes(name) || chosen.includes('all');

// The ack and memory figures need Redis and the bot, not the cluster.
if (chosen.some((s) => s !== 'ack'))
  execFileSync('bash', [join(repoRoot, 'test/cluster/up.sh')], { stdio: 'inherit' });
mkdirSync(join(repoRoot, 'bench-results'), { recursive: true });
const figures: Record<string, unknown> = existsSync(out)
  ? (JSON.parse(readFileSync(out, 'utf8')) as Record<string, unknown>)
  : {};
// Figures from two machines differ by the machine as much as by the code (`node -e 0` took 73 ms
// on one and 180 ms on another): the file says which it was measured on.
const machine = { cores: availableParallelism(), cpu: cpus()[0]?.model, node: process.version };
const save = () =>
  writeFileSync(
    out,
    JSON.stringify({ ...figures, measuredAt: new Date().toISOString(), machine }, null, 2) + '\n',
  );

if (want('cli')) {
  figures.cli = await benchCli();
  save();
}
if (want('ack')) {
  figures.ack = await benchAck();
  save();
}
if (want('diagnosis')) {
  figures.diagnosis = await benchDiagnosis();
  save();
}
if (want('rounds')) {
  figures.rounds = await benchRounds();
  save();
}
if (want('slack')) {
  figures.slack = await benchSlack();
  save();
}
if (want('remediation')) {
  figures.remediation = await benchRemediation();
  save();
}
printTable(figures.cli as CliBench | undefined, figures.ack as AckBench | undefined);
for (const l of (figures.rounds as RoundsBench | undefined)?.levels ?? [])
  console.log(
    `Service target, ${l.pods} backends: ${l.apiRequests.min}-${l.apiRequests.max} API requests, ${l.apiRounds.min}-${l.apiRounds.max} rounds (${l.runs} runs)`,
  );
console.log(`[bench] figures written to ${out}`);

function printTable(cli: CliBench | undefined, ack: AckBench | undefined): void {
  const rows: string[][] = [['figure', 'min', 'median', 'max', 'unit']];
  for (const f of Object.values(cli ?? {}))
    rows.push(
      [f.command, ...[f.wallMs.min, f.wallMs.median, f.wallMs.max].map(String), 'ms wall'],
      [
        `  node -e 0 alongside`,
        ...[f.nodeYardstickMs.min, f.nodeYardstickMs.median, f.nodeYardstickMs.max].map(String),
        'ms wall',
      ],
    );
  for (const l of ack?.levels ?? [])
    rows.push(
      [
        `ack p99, ${l.concurrent} concurrent /diagnose (${l.runs} runs)`,
        ...[l.p99Ms.min, l.p99Ms.median, l.p99Ms.max].map(String),
        'ms',
      ],
      ...(l.botCpuMsPerCommand
        ? [
            [
              `  bot CPU per command (load average ${l.loadAverage})`,
              ...[
                l.botCpuMsPerCommand.min,
                l.botCpuMsPerCommand.median,
                l.botCpuMsPerCommand.max,
              ].map(String),
              'ms',
            ],
          ]
        : []),
      ...(l.yardstick
        ? [
            [
              `  yardstick: bare node:http, signature only, p99`,
              ...[l.yardstick.p99Ms.min, l.yardstick.p99Ms.median, l.yardstick.p99Ms.max].map(
                String,
              ),
              'ms',
            ],
          ]
        : []),
    );
  const width = rows[0]?.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length))) ?? [];
  for (const r of rows) console.log(r.map((v, c) => v.padEnd(width[c] ?? 0)).join('  '));
  // Memory is a trend, not a spread: one line per repeat of the same cycle.
  for (const [i, c] of (ack?.memory.cycles ?? []).entries())
    console.log(
      `bot RSS, cycle ${i + 1}: idle ${c.idleMiB} MiB, ${ack?.memory.burst}-command burst peak ${c.burstPeakMiB} MiB, after ${ack?.memory.alertsPerCycle} alerts ${c.afterAlertsMiB} MiB; live heap ${c.liveHeapMiB ?? '?'} MiB`,
    );
  const trend = ack?.memory.trendMiBPerCycle;
  if (trend)
    console.log(
      `bot RSS trend: idle ${trend.idle} MiB per cycle, after alerts ${trend.afterAlerts} MiB per cycle; live heap ${trend.liveHeap ?? '?'} MiB per cycle`,
    );
}
