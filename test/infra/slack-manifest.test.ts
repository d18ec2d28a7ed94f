// The Slack app manifests (HTTP mode and Socket Mode) declare /diagnose, interactivity, and
// exactly the bot scopes the code needs: every Web API method src/ calls is covered by a
// granted scope, and every granted scope is used.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../support/cluster.js';

interface Manifest {
  display_information: { name: string; description?: string; long_description?: string };
  features: {
    bot_user?: { display_name: string };
    slash_commands?: { command: string; url?: string; description: string; usage_hint?: string }[];
  };
  oauth_config: { scopes: { bot: string[]; user?: string[] } };
  settings: {
    interactivity?: { is_enabled: boolean; request_url?: string };
    event_subscriptions?: unknown;
    socket_mode_enabled?: boolean;
  };
}

const load = (name: string) =>
  parseYaml(readFileSync(join(repoRoot, 'infra', 'slack', name), 'utf8')) as Manifest;
const http = load('manifest-http.yaml');
const socket = load('manifest-socket-mode.yaml');

/** The bot scope each Web API method needs (none: no scope). */
const METHOD_SCOPES: Record<string, string | null> = {
  'auth.test': null,
  'apps.connections.open': null, // app-level token, connections:write
  'chat.postMessage': 'chat:write',
  'chat.update': 'chat:write',
  'chat.postEphemeral': 'chat:write',
  'chat.delete': 'chat:write',
  'usergroups.list': 'usergroups:read',
  'usergroups.users.list': 'usergroups:read',
  'users.info': 'users:read',
  'users.list': 'users:read',
  'conversations.info': 'channels:read',
  'conversations.history': 'channels:history',
  'conversations.join': 'channels:join',
  'reactions.add': 'reactions:write',
  'files.getUploadURLExternal': 'files:write',
  'files.completeUploadExternal': 'files:write',
  'views.open': null,
  'views.update': null,
};
/** Scopes no method call shows: what they are for. */
const SCOPES_BY_FEATURE: Record<string, string> = {
  commands: 'the /diagnose slash command',
  'chat:write.public': 'posting in public channels the bot was not invited to',
  'groups:history': 'conversations.history in private channels (finding a thread after a failover)',
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith('.ts') ? [path] : [];
  });
}

/** Web API methods the code calls: `client.chat.postMessage(` or `'chat.postMessage'`. */
function methodsCalled(): Set<string> {
  const methods = new Set<string>();
  const families = 'auth|apps|chat|usergroups|users|conversations|reactions|views|files|team|bots';
  const call = new RegExp(`\\.((?:${families})(?:\\.[a-zA-Z]+)+)\\s*(?:\\(|$)`, 'gm');
  const literal = new RegExp(`['"\`]((?:${families})(?:\\.[a-zA-Z]+)+)['"\`]`, 'g');
  for (const file of sourceFiles(join(repoRoot, 'src'))) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(call)) methods.add(m[1] ?? '');
    for (const m of text.matchAll(literal)) methods.add(m[1] ?? '');
  }
  // Only names that are Web API methods (not e.g. `users.length`).
  return new Set([...methods].filter((m) => m in METHOD_SCOPES));
}

describe('Slack app manifests', () => {
  it.each([
    ['HTTP mode', http],
    ['Socket Mode', socket],
  ])('%s declares /diagnose with a usage hint and interactivity', (_mode, manifest) => {
    const [command, ...others] = manifest.features.slash_commands ?? [];
    expect(others).toEqual([]);
    expect(command?.command).toBe('/diagnose');
    expect(command?.usage_hint).toMatch(/-n namespace/);
    expect(manifest.settings.interactivity?.is_enabled).toBe(true);
    expect(manifest.features.bot_user?.display_name).toBe('kubemedic');
    expect(manifest.settings.event_subscriptions).toBeUndefined();
    expect(manifest.oauth_config.scopes.user).toBeUndefined();
    // Slack's limits on the app's texts.
    expect(manifest.display_information.description?.length ?? 0).toBeLessThanOrEqual(140);
    expect(manifest.display_information.long_description?.length ?? 174).toBeGreaterThanOrEqual(
      174,
    );
  });

  it('HTTP mode sends commands and clicks to /slack/events; Socket Mode needs no URL', () => {
    expect(http.settings.socket_mode_enabled).toBe(false);
    const commandUrl = new URL(http.features.slash_commands?.[0]?.url ?? '');
    const clickUrl = new URL(http.settings.interactivity?.request_url ?? '');
    expect(commandUrl.protocol).toBe('https:');
    expect(commandUrl.pathname).toBe('/slack/events');
    expect(clickUrl.href).toBe(commandUrl.href);

    expect(socket.settings.socket_mode_enabled).toBe(true);
    expect(socket.features.slash_commands?.[0]?.url).toBeUndefined();
    expect(socket.settings.interactivity?.request_url).toBeUndefined();
  });

  it('grant the same bot scopes, each needed by a method src/ calls or a declared feature', () => {
    expect([...socket.oauth_config.scopes.bot].sort()).toEqual(
      [...http.oauth_config.scopes.bot].sort(),
    );
    const granted = new Set(http.oauth_config.scopes.bot);
    const called = methodsCalled();
    const needed = new Set(
      [...called].map((m) => METHOD_SCOPES[m]).filter((s): s is string => typeof s === 'string'),
    );
    for (const scope of needed) expect(granted, `a method needs ${scope}`).toContain(scope);
    for (const scope of granted)
      expect(
        needed.has(scope) || scope in SCOPES_BY_FEATURE,
        `${scope} is granted but nothing uses it`,
      ).toBe(true);
    expect(called.has('chat.postMessage'), 'the bot posts messages').toBe(true);
  });
});
