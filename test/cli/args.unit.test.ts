// One grammar for `kubemedic diagnose` and Slack's `/diagnose`: the same words parse the same
// way and fail with the same message in both. Pure: nothing here reaches a cluster.
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/index.js';
import { parseDiagnoseText } from '../../src/slack/commands/diagnose.js';

async function cliError(args: string[]): Promise<string> {
  const err: string[] = [];
  const code = await runCli(['diagnose', ...args], {
    out: () => undefined,
    err: (s) => err.push(s),
    isTTY: false,
  });
  expect(code).toBe(2);
  return (err[0] ?? '').split('\n')[0]?.replace(/^kubemedic: /, '') ?? '';
}

function slackError(text: string): string {
  try {
    parseDiagnoseText(text, 'c');
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error(`"${text}" parsed`);
}

describe('the diagnose grammar', () => {
  it.each([
    ['', 'no target given'],
    ['a b', 'one target expected, got "a b"'],
    ['api --force', 'unknown option --force'],
    ['api -n', '-n/--namespace needs a value'],
    ['api --namespace', '-n/--namespace needs a value'],
    ['api -n Prod_1', '"Prod_1" is not a valid Namespace name'],
  ])('"%s" fails the same way in the terminal and in Slack', async (text, message) => {
    const words = text.split(' ').filter(Boolean);
    const fromSlack = slackError(text);
    expect(fromSlack).toContain(message);
    // The CLI needs a cluster only after parsing: give it a dump that does not exist.
    const fromCli = await cliError(['--from-file', '/nonexistent.json', ...words]);
    expect(fromCli).toBe(fromSlack);
  });
});
