// Prometheus metrics, served at /metrics. One registry for the process.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export const registry = new Registry();
collectDefaultMetrics({ register: registry, prefix: 'kubemedic_' });

export const diagnosesTotal = new Counter({
  name: 'kubemedic_diagnoses_total',
  help: 'Diagnoses run, by verdict and root cause check id (none when healthy, error when none finished)',
  labelNames: ['verdict', 'root_cause'] as const,
  registers: [registry],
});

export const diagnosisDuration = new Histogram({
  name: 'kubemedic_diagnosis_duration_seconds',
  help: 'Time to gather and analyse one target, by outcome',
  labelNames: ['outcome'] as const,
  buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30],
  registers: [registry],
});

/** Incremented by the remediation flow: one per finished action, by remediation id and outcome. */
export const remediationsTotal = new Counter({
  name: 'kubemedic_remediations_total',
  help: 'Remediation actions by remediation id and outcome (applied, rejected, refused, failed, undone, ...)',
  labelNames: ['remediation', 'outcome'] as const,
  registers: [registry],
});

export const slackApiErrorsTotal = new Counter({
  name: 'kubemedic_slack_api_errors_total',
  help: 'Slack Web API calls that failed, by method and Slack error code',
  labelNames: ['method', 'error'] as const,
  registers: [registry],
});

export type QueueDepths = Record<string, Record<string, number>>;
const depthSources = new Set<() => Promise<QueueDepths>>();

/** Jobs per queue and state, read from Redis when scraped. */
export const queueDepth = new Gauge({
  name: 'kubemedic_queue_depth',
  help: 'Jobs per queue and state (waiting, active, delayed, failed)',
  labelNames: ['queue', 'state'] as const,
  registers: [registry],
  async collect() {
    for (const source of depthSources) {
      const depths = await source().catch(() => undefined);
      for (const [queue, states] of Object.entries(depths ?? {}))
        for (const [state, n] of Object.entries(states)) this.set({ queue, state }, n);
    }
  },
});

/** Registers where queue depths come from; returns the unregister function. */
export function addQueueDepthSource(source: () => Promise<QueueDepths>): () => void {
  depthSources.add(source);
  return () => depthSources.delete(source);
}
