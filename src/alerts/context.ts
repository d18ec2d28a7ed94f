// What an on-call engineer wants one click away from an alert thread: the alert's name and
// severity, its runbook and dashboard (annotations), the Prometheus graph (generatorURL) and
// Alertmanager's silence form pre-filled for the group (externalURL). Every link comes from the
// payload, so each is checked: http(s) only, no secret in it, within Slack's URL limit.
import { redact } from '../redact.js';
import type { AlertState } from '../slack/thread-state.js';
import type { AlertmanagerPayload } from './schema.js';

/** Slack refuses a button whose url is longer. */
const MAX_URL = 3000;
const RUNBOOK_KEYS = ['runbook_url', 'runbook'];
const DASHBOARD_KEYS = ['dashboard', 'grafana', 'dashboard_url', 'grafana_url'];
const LABEL_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** An http(s) URL fit for a link button, or undefined. */
export function safeLink(raw: string | undefined): string | undefined {
  if (!raw) return undefined;
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  // A credential in a link (user:pass@, ?token=) is not posted to a channel.
  if (url.username || url.password) return undefined;
  const href = url.href;
  if (href.length > MAX_URL || redact(href) !== href) return undefined;
  return href;
}

/** The first usable link among `keys` in the common annotations, else in any alert's. */
function annotationLink(p: AlertmanagerPayload, keys: string[]): string | undefined {
  const candidates = [p.commonAnnotations, ...p.alerts.map((a) => a.annotations)].flatMap((ann) =>
    keys.map((k) => ann[k]),
  );
  for (const c of candidates) {
    const link = safeLink(c);
    if (link) return link;
  }
  return undefined;
}

/** The alert's name: the common label, else the alerts' own, else the group's. */
export function alertnameOf(p: AlertmanagerPayload): string | undefined {
  const names = [...new Set(p.alerts.map((a) => a.labels.alertname).filter(Boolean))];
  return (
    p.commonLabels.alertname ??
    (names.length ? names.slice(0, 3).join(', ') + (names.length > 3 ? ', …' : '') : undefined) ??
    p.groupLabels.alertname
  );
}

/** Alertmanager's matcher syntax: `{name="value",...}` with `\` and `"` escaped. */
export function matcherFilter(labels: Record<string, string>): string | undefined {
  const pairs = Object.entries(labels).filter(([k]) => LABEL_NAME.test(k));
  if (pairs.length === 0) return undefined;
  const quote = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
  return `{${pairs.map(([k, v]) => `${k}="${quote(v)}"`).join(',')}}`;
}

/** Alertmanager's "new silence" form, pre-filled with the group's labels. */
export function silenceLink(p: AlertmanagerPayload): string | undefined {
  const base = safeLink(p.externalURL);
  if (!base) return undefined;
  const labels = Object.keys(p.groupLabels).length ? p.groupLabels : p.commonLabels;
  const filter = matcherFilter(labels);
  if (!filter) return undefined;
  return safeLink(
    `${base.replace(/\/+$/, '')}/#/silences/new?filter=${encodeURIComponent(filter)}`,
  );
}

/** The alert's context for the thread's parent. */
export function alertContext(
  p: AlertmanagerPayload,
): Pick<AlertState, 'alertname' | 'severity' | 'links'> {
  const firing = p.alerts.find((a) => a.status === 'firing') ?? p.alerts[0];
  const links = {
    runbook: annotationLink(p, RUNBOOK_KEYS),
    dashboard: annotationLink(p, DASHBOARD_KEYS),
    graph: safeLink(firing?.generatorURL),
    silence: silenceLink(p),
  };
  return {
    alertname: alertnameOf(p) ?? 'Alert',
    severity: p.commonLabels.severity ?? firing?.labels.severity,
    links: Object.fromEntries(Object.entries(links).filter(([, v]) => v !== undefined)),
  };
}
