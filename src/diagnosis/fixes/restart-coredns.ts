// restart-coredns: a rolling restart of kube-system/coredns. Its own id (and medium risk) because
// every Service's name resolution rides on it, so a policy can ask more approvals for it.
import type { CheckId } from '../registry.js';
import { type FixDef, defineFix } from './define.js';
import { RESTART_IRREVERSIBLE, restampRestart, restartPlan } from './restart.js';
import type { TemplatedWorkload } from './shared.js';

export const restartCorednsFix: FixDef<'restart-coredns', [TemplatedWorkload, Date, CheckId[]]> =
  defineFix({
    id: 'restart-coredns',
    meaning: 'restart the CoreDNS Deployment in kube-system, one pod at a time',
    offeredBy: ['dns.coredns-unhealthy', 'pod.not-ready'],
    kinds: [{ kind: 'Deployment', verbs: ['get', 'patch'] }],
    undoable: false,
    whyNot: RESTART_IRREVERSIBLE,
    restamp: restampRestart,
    build: (w, at, checks) => restartPlan('restart-coredns', 'Deployment', w, at, checks),
  });
