// The Dockerfile's commands work: its build stage and its runtime stage are replayed in clean
// directories (the same COPY sources, the same RUN commands), and the runtime's CMD starts the
// app in console mode, answers /healthz, passes the HEALTHCHECK command and stops cleanly on
// SIGTERM. No Docker engine runs here; what this cannot show is the base image itself.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  copyFileSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubeconfigPath, repoRoot, waitFor } from '../support/cluster.js';
import {
  type Stage,
  StageReplay,
  parseDockerfile,
  readDockerignore,
  stageByName,
} from './dockerfile.js';

const run = promisify(execFile);
const stages: Stage[] = parseDockerfile(readFileSync(join(repoRoot, 'Dockerfile'), 'utf8'));
const runtimeStage = stages.at(-1) as Stage;
const asRoot = process.getuid?.() === 0;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => resolve(typeof addr === 'object' && addr ? addr.port : 0));
    });
  });
}

describe('Dockerfile', () => {
  const work = mkdtempSync(join(tmpdir(), 'kubemedic-image-'));
  const replays = new Map<string, StageReplay>();
  let runtime: StageReplay;
  let app: ChildProcess | undefined;
  let appOutput = '';
  let port = 0;
  let uid: number | undefined;
  let gid: number | undefined;

  // Only what a fresh container has: node and npm on PATH, and npm's cache outside the image.
  const hostEnv: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    HOME: process.env.HOME ?? '/root',
    npm_config_prefer_offline: 'true',
    npm_config_update_notifier: 'false',
  };

  beforeAll(async () => {
    chmodSync(work, 0o755); // the runtime user (uid 1000) must reach its files, as in an image
    const ignore = readDockerignore(repoRoot);
    for (const stage of stages) {
      const replay = new StageReplay(
        stage,
        join(work, stage.name),
        repoRoot,
        replays,
        hostEnv,
        ignore,
      );
      replays.set(stage.name, replay);
      await replay.replay();
    }
    runtime = replays.get(runtimeStage.name) as StageReplay;
  }, 600_000);

  afterAll(async () => {
    if (app && app.exitCode === null && app.signalCode === null) app.kill('SIGKILL');
    rmSync(work, { recursive: true, force: true });
  });

  it('has a build stage and a slim Node 20 runtime stage', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    const build = stageByName(stages, 'build');
    expect(build.instructions).toContainEqual(
      expect.objectContaining({ op: 'RUN', command: expect.stringMatching(/^npm ci\b/) }),
    );
    expect(build.instructions).toContainEqual(
      expect.objectContaining({ op: 'RUN', command: 'npm run build' }),
    );
    expect(runtimeStage.base).toMatch(/^node:20(\.\d+)*-.*slim/);
    // The replay runs on this machine's Node; it stands for the image only on the same major.
    expect(process.versions.node.split('.')[0]).toBe('20');
  });

  it('installs production dependencies only, without lifecycle scripts, in the runtime stage', () => {
    const installs = runtimeStage.instructions.filter(
      (i) => i.op === 'RUN' && /\bnpm ci\b/.test(i.command),
    );
    expect(installs).toHaveLength(1);
    const install = installs[0] as { command: string };
    expect(install.command).toMatch(/--omit=dev/);
    expect(install.command).toMatch(/--ignore-scripts/);
    const modules = runtime.hostPath('node_modules');
    expect(existsSync(join(modules, '@slack/bolt/package.json'))).toBe(true);
    expect(existsSync(join(modules, 'bullmq/package.json'))).toBe(true);
    for (const dev of ['typescript', 'vitest', 'eslint', 'prettier', 'tsx']) {
      expect(existsSync(join(modules, dev)), `${dev} is a devDependency`).toBe(false);
    }
    expect(existsSync(runtime.hostPath('dist/main.js'))).toBe(true);
    expect(existsSync(runtime.hostPath('bin/kubemedic.js'))).toBe(true);
    expect(existsSync(runtime.hostPath('src')), 'sources stay in the build stage').toBe(false);
  });

  it('runs as a numeric non-root user and bakes in no secret', () => {
    const [u, g] = runtime.user.split(':');
    expect(u).toMatch(/^\d+$/);
    expect(Number(u)).toBeGreaterThan(0);
    uid = Number(u);
    gid = g === undefined ? uid : Number(g);
    const envNames = Object.keys(runtime.env);
    expect(envNames.filter((n) => /TOKEN|SECRET|PASSWORD|REDIS_URL|KEY/i.test(n))).toEqual([]);
    const ignore = readDockerignore(repoRoot);
    expect(ignore[0], '.dockerignore excludes everything not listed').toBe('*');
    expect(
      ignore.filter((p) => p.startsWith('!')).some((p) => /\.env|\.cluster|node_modules/.test(p)),
    ).toBe(false);
  });

  it('puts the kubemedic CLI on PATH', async () => {
    const { stdout } = await run('kubemedic', ['help'], {
      cwd: runtime.hostPath('.'),
      env: { ...runtime.commandEnv(), HOME: work },
    });
    expect(stdout).toMatch(/kubemedic diagnose <target>/);
  });

  it('exposes the port it listens on by default and starts with node dist/main.js', () => {
    expect(runtime.cmd).toEqual(['node', 'dist/main.js']);
    expect(runtime.exposed).toEqual([runtime.env.PORT]);
    expect(runtime.healthcheck).toBeDefined();
  });

  it('starts in console mode and answers /healthz, then the HEALTHCHECK command passes', async () => {
    port = await freePort();
    // Console mode: no Slack variables at all; the test cluster and the local Redis.
    let kubeconfig = kubeconfigPath;
    if (asRoot && uid !== undefined) {
      kubeconfig = join(work, 'kubeconfig');
      copyFileSync(kubeconfigPath, kubeconfig);
      chownSync(kubeconfig, uid, gid ?? uid);
    }
    const env: Record<string, string | undefined> = {
      ...runtime.commandEnv(),
      HOME: work,
      PORT: String(port),
      KUBECONFIG: kubeconfig,
      REDIS_URL: 'redis://127.0.0.1:6379',
      // With a kubeconfig, console mode does not serve an open webhook.
      ALERTMANAGER_TOKEN: 'dockerfile-test-token-0123',
    };
    delete env.npm_config_prefer_offline;
    const [cmd, ...args] = runtime.cmd as string[];
    app = spawn(cmd as string, args, {
      cwd: runtime.hostPath('.'),
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      // As root, run as the image's user so files the app may not write stay unwritable.
      ...(asRoot && uid !== undefined ? { uid, gid: gid ?? uid } : {}),
    });
    app.stdout?.on('data', (c: Buffer) => (appOutput += c.toString()));
    app.stderr?.on('data', (c: Buffer) => (appOutput += c.toString()));

    await waitFor(
      '/healthz to answer 200',
      async () => {
        if (app?.exitCode !== null)
          throw new Error(`the app exited ${app?.exitCode}: ${appOutput}`);
        const res = await fetch(`http://127.0.0.1:${port}/healthz`);
        return res.status === 200;
      },
      60_000,
      250,
    ).catch((err: Error) => {
      throw new Error(`${err.message}\n--- app output ---\n${appOutput}`);
    });

    const [hcCmd, ...hcArgs] = runtime.healthcheck as string[];
    await expect(
      run(hcCmd as string, hcArgs, { cwd: runtime.hostPath('.'), env, timeout: 10_000 }),
    ).resolves.toBeDefined();
  }, 90_000);

  it('stops cleanly on SIGTERM', async () => {
    expect(app, 'the app was started by the previous test').toBeDefined();
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>(
      (resolve) => {
        if (app?.exitCode !== null || app.signalCode !== null) {
          resolve({ code: app?.exitCode ?? null, signal: app?.signalCode ?? null });
        } else app.once('exit', (code, signal) => resolve({ code, signal }));
      },
    );
    app?.kill('SIGTERM');
    const result = await Promise.race([
      exited,
      new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 30_000)),
    ]);
    expect(result, appOutput).toEqual({ code: 0, signal: null });
  }, 40_000);
});
