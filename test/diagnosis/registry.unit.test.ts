// The registries are the one list of checks and the one list of fixes; this test holds everything
// that is derived from them or must agree with them: ranking, words, `explains`, scenario coverage,
// the read-only and remediation RBAC, the example policy, and which check offers which fix.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { fieldInfo, kindInfo } from '../../src/cluster/kinds.js';
import { FIXES, REMEDIATION_IDS, fixOf } from '../../src/diagnosis/fixes/registry.js';
import { CAUSE_DEPTH, CHECKS, CHECK_IDS } from '../../src/diagnosis/registry.js';
import { LAYERS, type Report } from '../../src/diagnosis/types.js';
import { loadScenarios } from '../scenarios/support/schema.js';
import { cli } from '../support/cli.js';

const INFRA = join(import.meta.dirname, '../../infra');
const RBAC = join(INFRA, 'helm/kubemedic/files/rbac');

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

describe('the fix registry', () => {
  it('names each fix once, with a meaning, offered by registered checks', () => {
    expect(new Set(REMEDIATION_IDS).size).toBe(FIXES.length);
    for (const f of FIXES) {
      expect(f.meaning.length, f.id).toBeGreaterThan(10);
      expect(f.offeredBy.length, f.id).toBeGreaterThan(0);
      for (const c of f.offeredBy) expect(CHECK_IDS, `${f.id} offered by ${c}`).toContain(c);
      // A fix that cannot be undone says why, in words the undo refusal shows.
      if (!f.undoable) expect(f.whyNot, f.id).toBeTruthy();
    }
  });

  it('changes only kinds the remediation ClusterRole grants, with the verbs it uses', () => {
    const granted = rules('remediation-clusterrole.yaml');
    for (const f of FIXES)
      for (const { kind, verbs } of f.kinds) {
        const info = kindInfo(kind);
        expect(info, `${f.id} changes ${kind}`).toBeDefined();
        const rule = granted.find(
          (r) => r.apiGroups.includes(info!.group) && r.resources.includes(info!.plural),
        );
        expect(rule, `${f.id} changes ${kind}`).toBeDefined();
        for (const v of verbs) expect(rule!.verbs, `${f.id} ${v}s ${kind}`).toContain(v);
      }
  });

  it('lists every fix in the example policy, and nothing else', () => {
    const policy = parse(readFileSync(join(INFRA, 'policy.example.yaml'), 'utf8')) as {
      enabled: string[];
    };
    expect([...policy.enabled].sort()).toEqual([...REMEDIATION_IDS].sort());
  });

  it('is the only source of the fixes checks offer: each is registered and declared by its check', async () => {
    const offered = new Set<string>();
    for (const sc of loadScenarios()) {
      const { out } = await cli(['diagnose', sc.target, '--from-file', sc.dumpPath, '-o', 'json']);
      // A name the dump does not hold (service-not-found) is one line on stderr, no report.
      if (!out) continue;
      const report = JSON.parse(out) as Report;
      for (const f of report.findings)
        for (const r of f.remediations) {
          expect(REMEDIATION_IDS, `${sc.name}: ${f.check} offers ${r.id}`).toContain(r.id);
          expect(fixOf(r.id).offeredBy, `${sc.name}: ${f.check} offers ${r.id}`).toContain(f.check);
          offered.add(r.id);
        }
    }
    // Every fix is seen offered by some scenario (its kinds and words are exercised end to end).
    expect(REMEDIATION_IDS.filter((id) => !offered.has(id))).toEqual([]);
  });
});
