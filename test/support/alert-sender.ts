// Sends Alertmanager notifications the way Alertmanager's webhook notifier does: each
// notification is retried after a 5xx, a 429 or a connection error, with exponential backoff
// (Alertmanager's 500 ms x1.5, scaled down here), until it gets a 2xx or its deadline passes; a
// 4xx other than 429 is final. Several groups are in flight at once, as Alertmanager notifies
// groups in parallel.
import { ALERT_TOKEN } from './app.js';

export interface SendFigures {
  /** Distinct notifications. */
  sent: number;
  /** Those that got a 2xx in the end. */
  accepted: number;
  /** Attempts after the first, over all notifications. */
  retried: number;
  /** How many answers of each kind (HTTP status, or `error` for a failed connection). */
  answers: Record<string, number>;
  /** Notifications that never got a 2xx: index and last answer. */
  failed: { index: number; last: string }[];
}

export interface SendOptions {
  /** The address for attempt `n` of a notification (one, or several replicas in turn). */
  url: (attempt: number, index: number) => string;
  concurrency: number;
  /** How long one notification is retried. */
  deadlineMs: number;
  /**
   * How long the whole burst may take: past it no attempt is started and what is left counts as
   * failed, so a bot that keeps refusing ends the burst with figures instead of a test timeout.
   */
  budgetMs?: number;
  /** Called with every answer (HTTP status, or `error`). */
  onAnswer?: (answer: string) => void;
  /** Called with the index of each notification as it is accepted. */
  onAccepted?: (index: number, acceptedSoFar: number) => void;
}

export async function sendLikeAlertmanager(
  notifications: unknown[],
  opts: SendOptions,
): Promise<SendFigures> {
  const figures: SendFigures = {
    sent: notifications.length,
    accepted: 0,
    retried: 0,
    answers: {},
    failed: [],
  };
  let next = 0;
  const over = Date.now() + (opts.budgetMs ?? Number.POSITIVE_INFINITY);
  const sendOne = async (index: number) => {
    const body = JSON.stringify(notifications[index]);
    const deadline = Math.min(Date.now() + opts.deadlineMs, over);
    if (Date.now() >= over) {
      figures.failed.push({ index, last: 'not sent: the burst ran out of time' });
      return;
    }
    let delay = 100;
    for (let attempt = 0; ; attempt++) {
      if (attempt > 0) figures.retried++;
      let answer: string;
      try {
        const res = await fetch(`${opts.url(attempt, index)}/alertmanager`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${ALERT_TOKEN}` },
          body,
          signal: AbortSignal.timeout(10_000),
        });
        await res.arrayBuffer();
        answer = String(res.status);
      } catch {
        answer = 'error';
      }
      figures.answers[answer] = (figures.answers[answer] ?? 0) + 1;
      opts.onAnswer?.(answer);
      if (/^2/.test(answer)) {
        figures.accepted++;
        opts.onAccepted?.(index, figures.accepted);
        return;
      }
      const retriable = answer === 'error' || answer === '429' || /^5/.test(answer);
      if (!retriable || Date.now() + delay > deadline) {
        figures.failed.push({ index, last: answer });
        return;
      }
      await new Promise((r) => setTimeout(r, delay * (0.5 + Math.random())));
      delay = Math.min(delay * 1.5, 2000);
    }
  };
  await Promise.all(
    Array.from({ length: opts.concurrency }, async () => {
      while (next < notifications.length) await sendOne(next++);
    }),
  );
  return figures;
}

/** A firing notification for group `i` of a burst: its own groupKey, summary and fingerprint. */
export function burstNotification(i: number, receiver = 'kubemedic'): Record<string, unknown> {
  const id = String(i).padStart(3, '0');
  const labels = { alertname: 'BurstAlert', burst_group: id, severity: 'warning' };
  return {
    version: '4',
    groupKey: `{}:{burst_group="${id}"}`,
    truncatedAlerts: 0,
    status: 'firing',
    receiver,
    groupLabels: { burst_group: id },
    commonLabels: labels,
    commonAnnotations: { summary: `burst group ${id}` },
    externalURL: 'http://alertmanager.example:9093',
    alerts: [
      {
        status: 'firing',
        labels,
        annotations: { summary: `burst group ${id}` },
        startsAt: '2026-01-01T14:02:00Z',
        endsAt: '0001-01-01T00:00:00Z',
        fingerprint: `b${id}`,
      },
    ],
  };
}
