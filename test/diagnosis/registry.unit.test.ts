// The registry is the one list of checks; this test holds everything that is derived from it or
// must agree with it: ranking, words, `explains`, scenario coverage and the read-only RBAC.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { fieldInfo } from '../../src/cluster/kinds.js';
import { CAUSE_DEPTH, CHECKS, CHECK_IDS } from '../../src/diagnosis/registry.js';
import { LAYERS } from '../../src/diagnosis/types.js';
import { loadScenarios } from '../scenarios/support/schema.js';

const RBAC = join(import.meta.dirname, '../../infra/helm/kubemedic/files/rbac');

interface Rule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}

function rules(file: string): Rule[] {
  return (parse(readFileSync(join(RBAC, file), 'utf8')) as { rules: Rule[] }).rules;
}

describe('the check registry', () => {
  it('names each check once, with a known layer and a meaning', () => {
    expect(new Set(CHECK_IDS).size).toBe(CHECKS.length);
    for (const c of CHECKS) {
      expect(LAYERS, c.id).toContain(c.layer);
      expect(c.meaning.length, c.id).toBeGreaterThan(10);
    }
  });

  it('ranks every check by its place in the registry', () => {
    CHECKS.forEach((c, i) => expect(CAUSE_DEPTH.get(c.id), c.id).toBe(i));
  });

  it('lists what a check explains after it: a cause ranks before its symptoms', () => {
    for (const c of CHECKS)
      for (const e of c.explains) {
        expect(CHECK_IDS, `${c.id} explains ${e}`).toContain(e);
        expect(CAUSE_DEPTH.get(e)!, `${c.id} explains ${e}`).toBeGreaterThan(
          CAUSE_DEPTH.get(c.id)!,
        );
      }
  });

  it('has a scenario naming every check in its expected findings', () => {
    const named = new Set(
      loadScenarios().flatMap((s) => [...s.expected.findings, s.expected.rootCause ?? '']),
    );
    expect(CHECK_IDS.filter((id) => !named.has(id))).toEqual([]);
  });

  it('reads only kinds the read-only ClusterRoles grant a read of', () => {
    const granted = [
      ...rules('diagnosis-clusterrole.yaml'),
      ...rules('diagnosis-secrets-clusterrole.yaml'),
    ];
    for (const c of CHECKS)
      for (const field of c.reads) {
        const kind = fieldInfo(field);
        const rule = granted.find(
          (r) => r.apiGroups.includes(kind.group) && r.resources.includes(kind.plural),
        );
        expect(rule, `${c.id} reads ${kind.kind}`).toBeDefined();
        expect(
          rule!.verbs.some((v) => v === 'get' || v === 'list'),
          `${c.id} reads ${kind.kind}`,
        ).toBe(true);
      }
  });
});
