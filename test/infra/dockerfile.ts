// Reads the repo's Dockerfile into stages and replays a stage's COPY/RUN/ENV/WORKDIR steps in a
// plain directory, so the image's install, build and start commands are tested without a
// Docker engine. Only the instructions the Dockerfile uses are understood; anything else fails
// loudly instead of being skipped.
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, posix } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export type Instruction =
  | { op: 'COPY'; from?: string; sources: string[]; dest: string }
  | { op: 'RUN'; command: string; mounts: string[] }
  | { op: 'ENV'; vars: [string, string][] }
  | { op: 'WORKDIR'; path: string }
  | { op: 'USER'; user: string }
  | { op: 'EXPOSE'; ports: string[] }
  | { op: 'HEALTHCHECK'; options: string[]; command: string[] }
  | { op: 'CMD'; command: string[] };

export interface Stage {
  name: string;
  base: string;
  instructions: Instruction[];
}

/** Logical lines: comments dropped, backslash continuations joined. */
function logicalLines(text: string): string[] {
  const out: string[] = [];
  let current = '';
  for (const raw of text.split('\n')) {
    const line = raw.trimEnd();
    if (current === '' && /^\s*#/.test(line)) continue;
    if (current !== '' && /^\s*#/.test(line)) continue; // comments inside a continuation
    if (line.endsWith('\\')) {
      current += line.slice(0, -1) + ' ';
      continue;
    }
    current += line;
    if (current.trim() !== '') out.push(current.trim());
    current = '';
  }
  if (current.trim() !== '') out.push(current.trim());
  return out;
}

/** Splits leading `--flag=value` options off an instruction's arguments. */
function takeFlags(args: string): { flags: string[]; rest: string } {
  const flags: string[] = [];
  let rest = args.trimStart();
  for (let m = /^--\S+/.exec(rest); m; m = /^--\S+/.exec(rest)) {
    flags.push(m[0]);
    rest = rest.slice(m[0].length).trimStart();
  }
  return { flags, rest };
}

function execForm(args: string, what: string): string[] {
  const parsed: unknown = JSON.parse(args);
  if (!Array.isArray(parsed) || !parsed.every((a) => typeof a === 'string')) {
    throw new Error(`${what} must be the exec (JSON array) form, got: ${args}`);
  }
  return parsed as string[];
}

function parseEnv(args: string): [string, string][] {
  const vars: [string, string][] = [];
  const re = /([A-Za-z_][A-Za-z0-9_]*)=("(?:[^"\\]|\\.)*"|\S*)/g;
  if (!args.includes('=')) {
    const [key, ...value] = args.split(/\s+/);
    return [[key ?? '', value.join(' ')]];
  }
  for (const m of args.matchAll(re)) {
    const raw = m[2] ?? '';
    vars.push([m[1] ?? '', raw.startsWith('"') ? (JSON.parse(raw) as string) : raw]);
  }
  return vars;
}

export function parseDockerfile(text: string): Stage[] {
  const stages: Stage[] = [];
  for (const line of logicalLines(text)) {
    const m = /^(\S+)\s+([\s\S]*)$/.exec(line);
    if (!m) throw new Error(`unparseable Dockerfile line: ${line}`);
    const op = (m[1] ?? '').toUpperCase();
    const args = m[2] ?? '';
    if (op === 'FROM') {
      const from = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args);
      if (!from) throw new Error(`unparseable FROM: ${line}`);
      stages.push({
        base: from[1] ?? '',
        name: from[2] ?? String(stages.length),
        instructions: [],
      });
      continue;
    }
    const stage = stages.at(-1);
    if (!stage) throw new Error(`${op} before FROM`);
    const { flags, rest } = takeFlags(args);
    switch (op) {
      case 'COPY': {
        const parts = rest.startsWith('[') ? execForm(rest, 'COPY') : rest.split(/\s+/);
        const from = flags.find((f) => f.startsWith('--from='))?.slice('--from='.length);
        const unknown = flags.filter((f) => !f.startsWith('--from='));
        if (unknown.length) throw new Error(`COPY flags not understood: ${unknown.join(' ')}`);
        if (parts.length < 2) throw new Error(`COPY needs a source and a destination: ${line}`);
        stage.instructions.push({
          op,
          from,
          sources: parts.slice(0, -1),
          dest: parts.at(-1) ?? '',
        });
        break;
      }
      case 'RUN': {
        const unknown = flags.filter((f) => !f.startsWith('--mount=type=cache'));
        if (unknown.length) throw new Error(`RUN flags not understood: ${unknown.join(' ')}`);
        const command = rest.startsWith('[') ? execForm(rest, 'RUN').join(' ') : rest;
        stage.instructions.push({ op, command, mounts: flags });
        break;
      }
      case 'ENV':
        stage.instructions.push({ op, vars: parseEnv(rest) });
        break;
      case 'WORKDIR':
        stage.instructions.push({ op, path: rest });
        break;
      case 'USER':
        stage.instructions.push({ op, user: rest });
        break;
      case 'EXPOSE':
        stage.instructions.push({ op, ports: rest.split(/\s+/) });
        break;
      case 'HEALTHCHECK': {
        const cmd = /^CMD\s+([\s\S]*)$/.exec(rest);
        if (!cmd) throw new Error(`HEALTHCHECK must be HEALTHCHECK [options] CMD [...]: ${line}`);
        stage.instructions.push({
          op,
          options: flags,
          command: execForm(cmd[1] ?? '', 'HEALTHCHECK CMD'),
        });
        break;
      }
      case 'CMD':
        stage.instructions.push({ op, command: execForm(rest, 'CMD') });
        break;
      default:
        throw new Error(`Dockerfile instruction ${op} is not understood by the test's replay`);
    }
  }
  return stages;
}

/** The patterns of a .dockerignore, and whether a context path survives them. */
export function dockerignoreAllows(patterns: string[], path: string): boolean {
  const top = path.replace(/^\.\//, '').replace(/\/$/, '');
  let allowed = true;
  for (const raw of patterns) {
    const negated = raw.startsWith('!');
    const pattern = (negated ? raw.slice(1) : raw).replace(/\/$/, '');
    const re = new RegExp(
      '^' +
        pattern
          .split('*')
          .map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
          .join('[^/]*') +
        '(/.*)?$',
    );
    if (re.test(top)) allowed = negated;
  }
  return allowed;
}

export function readDockerignore(repo: string): string[] {
  const file = join(repo, '.dockerignore');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
}

function expandGlob(dir: string, pattern: string): string[] {
  if (!pattern.includes('*')) return [pattern];
  const parent = posix.dirname(pattern);
  const re = new RegExp(
    '^' +
      posix
        .basename(pattern)
        .split('*')
        .map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
        .join('.*') +
      '$',
  );
  const found = readdirSync(join(dir, parent))
    .filter((n) => re.test(n))
    .map((n) => posix.join(parent, n));
  if (found.length === 0) throw new Error(`COPY ${pattern} matches no file`);
  return found;
}

/** A stage replayed in a directory that stands for its filesystem root. */
export class StageReplay {
  workdir = '/';
  readonly env: Record<string, string> = {};
  user = '0';
  readonly exposed: string[] = [];
  healthcheck: string[] | undefined;
  cmd: string[] | undefined;
  readonly log: string[] = [];

  constructor(
    readonly stage: Stage,
    /** The directory standing for `/` of this stage. */
    readonly root: string,
    readonly context: string,
    readonly otherStages: Map<string, StageReplay>,
    /** Variables of the host the commands need (PATH to node and npm, the npm cache). */
    readonly hostEnv: Record<string, string>,
    /** The .dockerignore patterns the build context is filtered by. */
    readonly ignore: string[] = [],
  ) {}

  /** A path inside the stage, as a host path. */
  hostPath(path: string): string {
    const abs = posix.isAbsolute(path) ? path : posix.join(this.workdir, path);
    return join(this.root, abs);
  }

  commandEnv(): Record<string, string> {
    const env = { ...this.hostEnv };
    for (const [k, v] of Object.entries(this.env)) {
      // The image's PATH entries point into the stage; the host's follow so node and npm resolve.
      env[k] =
        k === 'PATH'
          ? [...v.split(':').map((p) => join(this.root, p)), this.hostEnv.PATH ?? ''].join(':')
          : v;
    }
    return env;
  }

  private expand(value: string): string {
    return value.replace(/\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g, (_m, name: string) =>
      name === 'PATH' ? '' : (this.env[name] ?? ''),
    );
  }

  async replay(): Promise<void> {
    mkdirSync(this.root, { recursive: true });
    for (const ins of this.stage.instructions) {
      switch (ins.op) {
        case 'WORKDIR':
          this.workdir = posix.isAbsolute(ins.path) ? ins.path : posix.join(this.workdir, ins.path);
          mkdirSync(this.hostPath('.'), { recursive: true });
          break;
        case 'ENV':
          for (const [k, v] of ins.vars) {
            this.env[k] = this.expand(v).replace(/:$/, '');
          }
          break;
        case 'COPY':
          this.copy(ins.sources, ins.dest, ins.from);
          break;
        case 'RUN': {
          // Commands run on this machine: one naming an absolute path would reach outside the
          // stage's directory, so the Dockerfile keeps RUN to paths relative to WORKDIR.
          if (/(^|[\s=:])\//.test(ins.command)) {
            throw new Error(`RUN ${ins.command}: absolute paths cannot be replayed safely`);
          }
          this.log.push(`RUN ${ins.command}`);
          try {
            const { stdout, stderr } = await run('sh', ['-c', ins.command], {
              cwd: this.hostPath('.'),
              env: this.commandEnv(),
              maxBuffer: 64 * 1024 * 1024,
            });
            this.log.push(stdout, stderr);
          } catch (err) {
            const e = err as { stdout?: string; stderr?: string; message: string };
            throw new Error(
              `stage ${this.stage.name}: RUN ${ins.command} failed: ${e.message}\n${e.stdout ?? ''}\n${e.stderr ?? ''}`,
              { cause: err },
            );
          }
          break;
        }
        case 'USER':
          this.user = ins.user;
          break;
        case 'EXPOSE':
          this.exposed.push(...ins.ports);
          break;
        case 'HEALTHCHECK':
          this.healthcheck = ins.command;
          break;
        case 'CMD':
          this.cmd = ins.command;
          break;
      }
    }
  }

  private copy(sources: string[], dest: string, from: string | undefined): void {
    let srcRoot: string;
    if (from !== undefined) {
      const other = this.otherStages.get(from);
      if (!other) throw new Error(`COPY --from=${from}: no such earlier stage`);
      srcRoot = other.root;
    } else {
      srcRoot = this.context;
    }
    const target = this.hostPath(dest);
    const expanded = from === undefined ? sources.flatMap((s) => expandGlob(srcRoot, s)) : sources;
    const intoDir = dest.endsWith('/') || expanded.length > 1;
    for (const src of expanded) {
      if (from === undefined && !dockerignoreAllows(this.ignore, src)) {
        throw new Error(`COPY ${src}: .dockerignore keeps it out of the build context`);
      }
      const hostSrc = join(srcRoot, from === undefined ? src : posix.normalize(src));
      if (!existsSync(hostSrc))
        throw new Error(`COPY ${src}: not found in ${from ?? 'the context'}`);
      if (statSync(hostSrc).isDirectory()) {
        // Docker copies a directory's contents, not the directory itself.
        cpSync(hostSrc, target, { recursive: true });
      } else {
        const to = intoDir ? join(target, basename(src)) : target;
        mkdirSync(dirname(to), { recursive: true });
        cpSync(hostSrc, to);
      }
    }
  }
}

export function stageByName(stages: Stage[], name: string): Stage {
  const s = stages.find((st) => st.name === name);
  if (!s)
    throw new Error(
      `the Dockerfile has no stage "${name}" (have ${stages.map((st) => st.name).join(', ')})`,
    );
  return s;
}
