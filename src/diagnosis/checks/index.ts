// Every check, registered in one place. Adding a check is adding it to its layer's file.
import type { Check } from '../types.js';
import { dnsChecks } from './dns.js';
import { ingressChecks } from './ingress.js';
import { meshChecks } from './mesh.js';
import { networkPolicyChecks } from './network-policy.js';
import { nodeChecks } from './node.js';
import { podChecks } from './pod.js';
import { serviceChecks } from './service.js';
import { workloadChecks } from './workload.js';

export const CHECKS: readonly Check[] = [
  ...serviceChecks,
  ...podChecks,
  ...networkPolicyChecks,
  ...dnsChecks,
  ...ingressChecks,
  ...workloadChecks,
  ...meshChecks,
  ...nodeChecks,
];
