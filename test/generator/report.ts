// Prints the generator's figures: healthy cases (verdicts, exceptions) and, per fault class, the
// cases, the accuracy of the root cause and the check exceptions. `npx tsx test/generator/report.ts [cases]`
import { diagnoseState, exceptionsOf, generate } from './cluster-gen.js';
import { FAULTS, NOT_INJECTED, runFault, table } from './faults.js';

const cases = Number(process.argv[2] ?? 50);
const healthyCases = 2000;
let healthy = 0;
let exceptions = 0;
for (let seed = 1; seed <= healthyCases; seed++) {
  const r = diagnoseState(generate(seed), undefined, { strict: false });
  exceptions += exceptionsOf(r).length;
  if (r.verdict === 'healthy' && !r.findings.some((f) => f.severity === 'critical')) healthy++;
}
console.log(
  `healthy states: ${healthy}/${healthyCases} judged healthy, ${exceptions} check exception(s)\n`,
);
const results = Object.keys(FAULTS).map((name) => runFault(name, cases));
console.log(table(results));
for (const r of results.filter((x) => x.misses.length))
  console.log(
    `  ${r.name}: missed seeds ${r.misses
      .slice(0, 5)
      .map((m) => `${m.seed} (got ${m.got ?? 'none'})`)
      .join(', ')}${r.misses.length > 5 ? ', ...' : ''}`,
  );
console.log('\nnot injected as a root cause:');
for (const [id, why] of Object.entries(NOT_INJECTED)) console.log(`  ${id}: ${why}`);
