// `npm run bench`: speed and scale figures on the live test cluster, written to
// bench-results/bench.json. Benchmarks are not tests: nothing here asserts a time.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../support/cluster.js';
import { benchDiagnosis } from './diagnosis.js';
import { benchRemediation } from './remediation.js';
import { benchSlack } from './slack.js';

const out = join(repoRoot, 'bench-results', 'bench.json');
const only = process.argv.slice(2);
const want = (name: string) => only.length === 0 || only.includes(name);

execFileSync('bash', [join(repoRoot, 'test/cluster/up.sh')], { stdio: 'inherit' });
mkdirSync(join(repoRoot, 'bench-results'), { recursive: true });
const figures: Record<string, unknown> = existsSync(out)
  ? (JSON.parse(readFileSync(out, 'utf8')) as Record<string, unknown>)
  : {};
const save = () =>
  writeFileSync(
    out,
    JSON.stringify({ ...figures, measuredAt: new Date().toISOString() }, null, 2) + '\n',
  );

if (want('diagnosis')) {
  figures.diagnosis = await benchDiagnosis();
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
console.log(`[bench] figures written to ${out}`);
