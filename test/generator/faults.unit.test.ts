// One fault at a time in generated healthy states: the injected fault must be ranked first.
// Seed classes must be right every time, the rest at least 95%; no check may throw.
import { afterAll, describe, expect, it } from 'vitest';
import { Rng, describeReport, diagnoseState, featureLine, shrink } from './cluster-gen.js';
import { type ClassResult, FAULTS, runFault, table } from './faults.js';

const CASES = 50;
const results: ClassResult[] = [];

describe('one injected fault is the root cause', () => {
  afterAll(() => console.log(`\n${table(results)}`));

  it.each(Object.keys(FAULTS))('%s', (name) => {
    const fault = FAULTS[name]!;
    const r = runFault(name, CASES);
    results.push(r);
    const accuracy = r.correct / r.cases;
    const first = r.misses[0];
    let example = '';
    if (first) {
      // Shrink: the fewest optional features with which the fault is still missed.
      const small = shrink(
        first.seed,
        (s) => {
          fault.inject(s, new Rng(first.seed * 7919));
          return diagnoseState(s, undefined, { strict: false }).rootCause !== fault.expected;
        },
        fault.needs,
      );
      example =
        `\nfirst miss: seed ${first.seed}, got ${first.got ?? 'none'}; shrunk: ${featureLine(small.features)}\n` +
        describeReport(diagnoseState(small, undefined, { strict: false }));
    }
    expect(r.exceptions, `check exceptions in ${name}`).toBe(0);
    expect(
      accuracy,
      `${name}: ${r.correct}/${r.cases} ranked ${fault.expected} first${example}`,
    ).toBeGreaterThanOrEqual(fault.seed ? 1 : 0.95);
  });
});
