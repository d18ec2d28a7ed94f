// Builds requests the way Slack sends them to an app: signed, with Slack's body formats.
import { createHmac, randomBytes } from 'node:crypto';
import { FAKE_SLACK_DEFAULTS } from './fake-slack.js';

export const FORM_CONTENT_TYPE = 'application/x-www-form-urlencoded';
const SLACK_USER_AGENT = 'Slackbot 1.0 (+https://api.slack.com/robots)';

export interface SlackSignatureHeaders {
  'x-slack-request-timestamp': string;
  'x-slack-signature': string;
}

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/** `x-slack-signature` is `v0=` + hex HMAC-SHA256 of `v0:{timestamp}:{raw body}`. */
export function signSlackRequest(
  signingSecret: string,
  rawBody: string,
  timestamp: number = nowSeconds(),
): SlackSignatureHeaders {
  const digest = createHmac('sha256', signingSecret)
    .update(`v0:${timestamp}:${rawBody}`)
    .digest('hex');
  return { 'x-slack-request-timestamp': String(timestamp), 'x-slack-signature': `v0=${digest}` };
}

export interface SlashCommandFields {
  token?: string;
  team_id?: string;
  team_domain?: string;
  channel_id?: string;
  channel_name?: string;
  user_id?: string;
  user_name?: string;
  command?: string;
  text?: string;
  api_app_id?: string;
  response_url?: string;
  trigger_id?: string;
}

/** A slash command body, form-encoded with the fields (and in the order) Slack sends. */
export function slashCommandBody(fields: SlashCommandFields = {}): string {
  const body: Required<SlashCommandFields> = {
    // Slack still sends the deprecated verification token; apps must not rely on it.
    token: 'legacy-verification-token',
    team_id: FAKE_SLACK_DEFAULTS.teamId,
    team_domain: FAKE_SLACK_DEFAULTS.teamDomain,
    channel_id: 'C0INCIDENT',
    channel_name: 'incidents',
    user_id: 'U0ONCALL1',
    user_name: 'alice',
    command: '/kubemedic',
    text: '',
    api_app_id: FAKE_SLACK_DEFAULTS.appId,
    response_url: `https://hooks.slack.com/commands/${FAKE_SLACK_DEFAULTS.teamId}/1/fake`,
    trigger_id: triggerId(),
    ...fields,
  };
  return new URLSearchParams(Object.entries(body)).toString();
}

/** An interaction body: one form field `payload` holding the JSON (e.g. block_actions). */
export function blockActionsBody(payload: unknown): string {
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

export interface BlockActionsPayloadFields {
  actionId: string;
  value?: string;
  blockId?: string;
  /** ts of the message holding the button. */
  messageTs: string;
  channelId?: string;
  userId?: string;
  userName?: string;
  /** The message holding the button, as Slack includes it. */
  message?: Record<string, unknown>;
  responseUrl?: string;
}

/** A block_actions payload for a button click, shaped like Slack's. */
export function blockActionsPayload(fields: BlockActionsPayloadFields): Record<string, unknown> {
  const channelId = fields.channelId ?? 'C0INCIDENT';
  const user = {
    id: fields.userId ?? 'U0ONCALL1',
    username: fields.userName ?? 'alice',
    name: fields.userName ?? 'alice',
    team_id: FAKE_SLACK_DEFAULTS.teamId,
  };
  return {
    type: 'block_actions',
    user,
    api_app_id: FAKE_SLACK_DEFAULTS.appId,
    token: 'legacy-verification-token',
    container: {
      type: 'message',
      message_ts: fields.messageTs,
      channel_id: channelId,
      is_ephemeral: false,
    },
    trigger_id: triggerId(),
    team: { id: FAKE_SLACK_DEFAULTS.teamId, domain: FAKE_SLACK_DEFAULTS.teamDomain },
    enterprise: null,
    is_enterprise_install: false,
    channel: { id: channelId, name: 'incidents' },
    message: fields.message ?? { type: 'message', ts: fields.messageTs, text: '' },
    state: { values: {} },
    response_url:
      fields.responseUrl ?? `https://hooks.slack.com/actions/${FAKE_SLACK_DEFAULTS.teamId}/1/fake`,
    actions: [
      {
        action_id: fields.actionId,
        block_id: fields.blockId ?? 'actions',
        text: { type: 'plain_text', text: fields.actionId, emoji: true },
        ...(fields.value === undefined ? {} : { value: fields.value }),
        type: 'button',
        action_ts: `${nowSeconds()}.000001`,
      },
    ],
  };
}

export interface PostSignedOptions {
  timestamp?: number;
  /** Replaces the computed signature, to test rejection. */
  signature?: string;
  headers?: Record<string, string>;
}

/** POSTs `body` signed with `signingSecret`, as Slack would deliver it. */
export function postSigned(
  url: string,
  body: string,
  contentType: string,
  signingSecret: string,
  options: PostSignedOptions = {},
): Promise<Response> {
  const signed = signSlackRequest(signingSecret, body, options.timestamp);
  return fetch(url, {
    method: 'POST',
    headers: {
      'content-type': contentType,
      'user-agent': SLACK_USER_AGENT,
      ...signed,
      ...(options.signature === undefined ? {} : { 'x-slack-signature': options.signature }),
      ...options.headers,
    },
    body,
  });
}

function triggerId(): string {
  return `${nowSeconds()}.1.${randomBytes(16).toString('hex')}`;
}
