// Which alerts say a target answers errors even when its Kubernetes layers look fine: for those,
// the diagnosis reads the running backends' logs since the alert started (the app layer).
// Matched against the alert's name and its labels' values; configurable (KUBEMEDIC_LOG_ALERTS).
import type { Alert } from './schema.js';

/** 5xx-rate alerts as they are usually named: Ingress503RateHigh, HighHTTP5xxRate, ErrorRate. */
export const DEFAULT_LOG_ALERTS: readonly RegExp[] = [
  /5\d\d|5xx/i,
  /error.?rate|errors?.?high|high.?errors?/i,
];

/** Parses `KUBEMEDIC_LOG_ALERTS`: comma-separated regular expressions; empty: the defaults. */
export function parseLogAlerts(text: string | undefined): RegExp[] {
  const parts = (text ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (parts.length === 0) return [...DEFAULT_LOG_ALERTS];
  return parts.map((p) => {
    try {
      return new RegExp(p, 'i');
    } catch (err) {
      throw new Error(
        `KUBEMEDIC_LOG_ALERTS: "${p}" is not a regular expression: ${(err as Error).message}`,
        { cause: err },
      );
    }
  });
}

/** Whether the alert asks for the app layer: its name (or a `code`/`status` label) matches. */
export function asksForLogs(
  alert: Alert,
  patterns: readonly RegExp[] = DEFAULT_LOG_ALERTS,
): boolean {
  const words = [alert.labels.alertname, alert.labels.code, alert.labels.status_code].filter(
    (w): w is string => Boolean(w),
  );
  return words.some((w) => patterns.some((p) => p.test(w)));
}
