// Where an alert group's thread goes: the first KUBEMEDIC_ALERT_CHANNELS rule whose label
// matches the group (common labels first, then each alert's), else SLACK_DEFAULT_CHANNEL.
import type { AlertChannelRule } from '../config/env.js';
import type { AlertmanagerPayload } from './schema.js';

export function channelFor(
  payload: AlertmanagerPayload,
  rules: AlertChannelRule[],
  fallback: string | undefined,
): string | undefined {
  const labelSets = [
    payload.commonLabels,
    payload.groupLabels,
    ...payload.alerts.map((a) => a.labels),
  ];
  for (const rule of rules)
    if (labelSets.some((labels) => labels[rule.label] === rule.value)) return rule.channel;
  return fallback;
}
