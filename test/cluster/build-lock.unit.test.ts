// test/cluster/build.sh run twice at once (a `cluster:up` while `npm test` sets up) must not
// race in the shared cache: the second waits for the first, says so, and builds nothing twice.
// Real bash runs the real script; only `go` is a stand-in on PATH that writes the binary it is
// asked for, then lingers, so that two unlocked builds would overlap in the same work folder.
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

const script = join(import.meta.dirname, 'build.sh');

// `go build -o OUT`, `go install PKG@V` (into $GOBIN) and `go mod download -json` are the forms
// build.sh uses; each build is logged so the test can count them.
const FAKE_GO = `#!/usr/bin/env bash
set -eu
log="$FAKE_GO_LOG"
case "$1" in
  get) exit 0 ;;
  mod)
    printf 'module x\\n\\nreplace a => b v1.0.0\\n' >"$FAKE_GO_DIR/prom.mod"
    printf '{\\n\\t"GoMod": "%s"\\n}\\n' "$FAKE_GO_DIR/prom.mod"
    exit 0 ;;
  build)
    out=""; prev=""
    for a in "$@"; do [ "$prev" = "-o" ] && out="$a"; prev="$a"; done
    ;;
  install)
    pkg="\${@: -1}"; pkg="\${pkg%@*}"
    out="$GOBIN/\${pkg##*/}"
    mkdir -p "$GOBIN"
    ;;
  *) echo "fake go: unexpected $*" >&2; exit 3 ;;
esac
printf '#!/bin/sh\\n' >"$out"; chmod +x "$out"
echo "built $(basename "\${out%.tmp}")" >>"$log"
sleep "$FAKE_GO_SLEEP"
`;

const CLUSTER = ['etcd', 'kwok', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler'];
const CLUSTER_ALL = [...CLUSTER, 'kubectl'];
const INFRA = ['helm', 'promtool', 'amtool', 'prometheus'];

let dirs: string[] = [];
afterEach(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs = [];
});

function sandbox() {
  const root = mkdtempSync(join(tmpdir(), 'kubemedic-build-lock-'));
  dirs.push(root);
  const bin = join(root, 'fakebin');
  const goPath = join(bin, 'go');
  mkdirSync(bin);
  writeFileSync(goPath, FAKE_GO);
  chmodSync(goPath, 0o755);
  const env = {
    PATH: `${bin}:${process.env.PATH ?? ''}`,
    HOME: root,
    KUBEMEDIC_CACHE: join(root, 'cache'),
    FAKE_GO_LOG: join(root, 'go.log'),
    FAKE_GO_DIR: root,
    FAKE_GO_SLEEP: '0.4',
  };
  const built = () =>
    readFileSync(env.FAKE_GO_LOG, 'utf8')
      .trim()
      .split('\n')
      .map((l) => l.replace(/^built /, ''));
  return { env, built };
}

function run(env: Record<string, string>, args: string[] = []) {
  return new Promise<{ code: number | null; out: string }>((resolve) => {
    const child = spawn('bash', [script, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code) => resolve({ code, out }));
  });
}

describe('test/cluster/build.sh', () => {
  it('two builds at once: the second waits for the lock, both succeed, each binary is built once', async () => {
    const { env, built } = sandbox();
    const [a, b] = await Promise.all([run(env), run(env)]);
    expect(a.out + b.out).not.toContain('cannot stat');
    expect([a.code, b.code]).toEqual([0, 0]);
    // One of the two reported that it waited, naming the lock.
    expect(a.out + b.out).toMatch(/waiting for another build .*build\.lock/);
    expect(built().sort()).toEqual([...CLUSTER_ALL, ...INFRA].sort());
  });

  it('`build.sh cluster` builds only what the control plane needs', async () => {
    const { env, built } = sandbox();
    const r = await run({ ...env, FAKE_GO_SLEEP: '0' }, ['cluster']);
    expect(r.code).toBe(0);
    expect(built().sort()).toEqual([...CLUSTER_ALL].sort());
  });

  it('`build.sh cluster` with the control plane built returns at once while another build holds the lock', async () => {
    const { env, built } = sandbox();
    expect((await run({ ...env, FAKE_GO_SLEEP: '0' }, ['cluster'])).code).toBe(0);
    // A full build now holds the lock for seconds while it builds the infra tools.
    let fullDone = false;
    const full = run({ ...env, FAKE_GO_SLEEP: '3' }).then((r) => {
      fullDone = true;
      return r;
    });
    await new Promise((r) => setTimeout(r, 500));
    const second = await run(env, ['cluster']);
    expect(second).toEqual({ code: 0, out: '' });
    expect(fullDone).toBe(false);
    expect((await full).code).toBe(0);
    expect(built().sort()).toEqual([...CLUSTER_ALL, ...INFRA].sort());
  });
});
