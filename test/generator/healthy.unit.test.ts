// 2,000 seeded healthy cluster states: each must be judged healthy, with no critical finding and no
// check that threw. A failure prints the seed and the case shrunk to the features that matter.
import { describe, expect, it } from 'vitest';
import {
  type ClusterState,
  describeReport,
  diagnoseState,
  exceptionsOf,
  featureLine,
  generate,
  shrink,
} from './cluster-gen.js';

const CASES = 2000;

function problems(state: ClusterState): string[] {
  // Not strict, so a case that throws is shrunk and printed like any other failure.
  const report = diagnoseState(state, undefined, { strict: false });
  const out = exceptionsOf(report).map((e) => `exception: ${e}`);
  if (report.verdict !== 'healthy') out.push(`verdict ${report.verdict}`);
  for (const f of report.findings.filter((x) => x.severity === 'critical'))
    out.push(`critical ${f.check}`);
  return out;
}

describe('generated healthy states', () => {
  it.each(Array.from({ length: CASES }, (_, i) => i + 1))('seed %i is healthy', (seed) => {
    const state = generate(seed);
    const found = problems(state);
    if (found.length === 0) return;
    const small = shrink(seed, (s) => problems(s).length > 0);
    expect.fail(
      `seed ${seed} (${featureLine(state.features)}): ${found.join('; ')}\n` +
        `shrunk: generate(${seed}, ${JSON.stringify(small.features)})\n  ${featureLine(small.features)}\n` +
        describeReport(diagnoseState(small, undefined, { strict: false })),
    );
  });
});
