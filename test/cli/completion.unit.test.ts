// `kubemedic completion bash` loaded into a real bash, which is then asked to complete what a
// person types: commands, flags, flag values, files, and names a stand-in kubectl lists.
import { execFile } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMMANDS } from '../../src/cli/completion.js';
import { cli } from '../support/cli.js';

const run = promisify(execFile);
let dir: string;
let script: string;
let withKubectl: string;
let withoutKubectl: string;
let kubectlLog: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kubemedic-completion-'));
  const printed = await cli(['completion', 'bash']);
  expect(printed.code).toBe(0);
  script = join(dir, 'kubemedic.bash');
  writeFileSync(script, printed.out);
  // A stand-in kubectl: logs its argv, answers the lists the script asks for.
  withKubectl = join(dir, 'bin');
  withoutKubectl = join(dir, 'empty');
  mkdirSync(withKubectl);
  mkdirSync(withoutKubectl);
  kubectlLog = join(dir, 'kubectl.log');
  writeFileSync(
    join(withKubectl, 'kubectl'),
    [
      '#!/bin/bash',
      'echo "$*" >> "$KUBECTL_LOG"',
      'case "$*" in',
      "  *'get namespaces'*) printf 'default prod shop' ;;",
      "  *'get services'*) printf 'api-service api-gateway web' ;;",
      "  *'config get-contexts'*) printf 'stage\\nprod-eu\\n' ;;",
      'esac',
    ].join('\n'),
  );
  chmodSync(join(withKubectl, 'kubectl'), 0o755);
  writeFileSync(join(dir, 'dump.json'), '{}');
  writeFileSync(join(dir, 'deploy.yaml'), '');
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** What bash offers for `line` (a trailing space completes a new word), as `Tab Tab` lists it. */
async function complete(line: string, opts: { kubectl?: boolean } = {}): Promise<string[]> {
  const words = line.split(' ');
  const { stdout, stderr } = await run(
    '/bin/bash',
    [
      '--norc',
      '-c',
      'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMP_LINE="$*"; _kubemedic; printf "%s\\n" "${COMPREPLY[@]}"',
      'bash',
      script,
      ...words,
    ],
    {
      cwd: dir,
      env: {
        PATH: opts.kubectl === false ? withoutKubectl : withKubectl,
        KUBECTL_LOG: kubectlLog,
      },
    },
  );
  expect(stderr).toBe('');
  return stdout.split('\n').filter(Boolean).sort();
}

describe('kubemedic completion bash', () => {
  it('registers _kubemedic for the kubemedic command', async () => {
    const { stdout } = await run('/bin/bash', [
      '--norc',
      '-c',
      'source "$1"; complete -p kubemedic',
      'bash',
      script,
    ]);
    expect(stdout.trim()).toBe('complete -F _kubemedic kubemedic');
  });

  it('completes commands, flags and the values a flag takes', async () => {
    expect(await complete('kubemedic di')).toEqual(['diagnose']);
    expect(await complete('kubemedic ')).toEqual(
      [...COMMANDS.map((c) => c.name), '--color=always', '--color=auto', '--color=never']
        .concat(['--help', '--version'])
        .sort(),
    );
    expect(await complete('kubemedic diagnose --full')).toEqual(['--full-commands']);
    expect(await complete('kubemedic diagnose api -o ')).toEqual(['json', 'text', 'yaml']);
    expect(await complete('kubemedic lint --output s')).toEqual(['sarif']);
    expect(await complete('kubemedic lint --fail-on ')).toEqual(['critical', 'info', 'warning']);
    expect(await complete('kubemedic completion ')).toEqual(['bash', 'fish', 'zsh']);
    expect(await complete('kubemedic checks -')).toEqual(['--help', '--output', '-h', '-o']);
  });

  it('completes files for --from-file and lint', async () => {
    expect(await complete('kubemedic diagnose api --from-file du')).toEqual(['dump.json']);
    expect(await complete('kubemedic lint dep')).toEqual(['deploy.yaml']);
  });

  it('asks kubectl for namespaces, contexts and the Services of the namespace typed', async () => {
    writeFileSync(kubectlLog, '');
    expect(await complete('kubemedic diagnose -n ')).toEqual(['default', 'prod', 'shop']);
    expect(await complete('kubemedic diagnose --context ')).toEqual(['prod-eu', 'stage']);
    expect(await complete('kubemedic diagnose -n shop --context stage api')).toEqual([
      'api-gateway',
      'api-service',
    ]);
    const asked = readFileSync(kubectlLog, 'utf8').trim().split('\n');
    expect(asked).toEqual([
      'get namespaces --request-timeout=2s -o jsonpath={.items[*].metadata.name}',
      'config get-contexts -o name',
      '--namespace=shop --context=stage get services --request-timeout=2s -o jsonpath={.items[*].metadata.name}',
    ]);
  });

  it('without kubectl, names complete to nothing and nothing is printed', async () => {
    expect(await complete('kubemedic diagnose -n ', { kubectl: false })).toEqual([]);
    expect(await complete('kubemedic diagnose ap', { kubectl: false })).toEqual([]);
  });
});

describe('the completion table', () => {
  it('names only flags the commands accept', async () => {
    for (const c of COMMANDS.filter((x) => x.name === 'diagnose' || x.name === 'lint'))
      for (const f of c.flags) {
        if (f.long === 'help') continue;
        const value = f.value ? ['x'] : [];
        const args =
          c.name === 'diagnose'
            ? ['diagnose', 'api', '--from-file', '/nonexistent.json', `--${f.long}`, ...value]
            : ['lint', '/nonexistent.yaml', `--${f.long}`, ...value];
        const res = await cli(args);
        expect(res.err, `${c.name} --${f.long}`).not.toMatch(/unknown option/);
      }
  });

  it('zsh loads the same function through bashcompinit; fish gets a line per flag', async () => {
    const zsh = await cli(['completion', 'zsh']);
    expect(zsh.code).toBe(0);
    expect(zsh.out).toContain('autoload -U +X bashcompinit && bashcompinit');
    expect(zsh.out).toContain('complete -F _kubemedic kubemedic');
    const fish = await cli(['completion', 'fish']);
    expect(fish.code).toBe(0);
    const lines = fish.out.split('\n');
    expect(lines).toContain(
      "complete -c kubemedic -n '__fish_seen_subcommand_from lint' -l fail-on -x -a 'critical warning info' -d 'exit 1 from this level'",
    );
    for (const c of COMMANDS) {
      expect(lines.some((l) => l.includes(`__fish_use_subcommand -a ${c.name} `))).toBe(true);
      for (const f of c.flags)
        expect(
          lines.some(
            (l) =>
              l.includes(`__fish_seen_subcommand_from ${c.name}'`) && l.includes(`-l ${f.long} `),
          ),
          `${c.name} --${f.long}`,
        ).toBe(true);
    }
  });

  it('refuses a shell it does not know, with the usage', async () => {
    const res = await cli(['completion', 'tcsh']);
    expect(res.code).toBe(2);
    expect(res.err).toMatch(/^kubemedic: no completion for "tcsh": bash, zsh or fish\n\nUsage:/);
    const help = await cli(['completion', '--help']);
    expect(help.code).toBe(0);
    expect(help.out).toContain('source <(kubemedic completion bash)');
  });
});
