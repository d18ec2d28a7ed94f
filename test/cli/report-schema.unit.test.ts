// schema/report.schema.json is what scripts reading `kubemedic diagnose -o json` are pointed at:
// it must be the JSON Schema of the zod schema the scenario suite validates reports against.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/index.js';
import { REPORT_SCHEMA_VERSION } from '../../src/cli/diagnose.js';
import { ReportDocumentSchema, reportJsonSchema } from '../../src/diagnosis/report-schema.js';

const root = join(import.meta.dirname, '..', '..');
const seed = join(root, 'test/scenarios/seed-selector-mismatch/dump.json');

async function run(argv: string[], isTTY = false) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { out: (s) => out.push(s), err: (s) => err.push(s), isTTY });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('the report schema', () => {
  it('in the repo is the one generated from the zod schema (npm run schema)', () => {
    expect(readFileSync(join(root, 'schema/report.schema.json'), 'utf8')).toBe(reportJsonSchema());
  });

  it('holds for a report and refuses one without its version', async () => {
    const doc = JSON.parse((await run(['diagnose', 'api-service', '-f', seed, '-o', 'json'])).out);
    expect(ReportDocumentSchema.safeParse(doc).error).toBeUndefined();
    expect(doc.schemaVersion).toBe(REPORT_SCHEMA_VERSION);
    const { schemaVersion: _, ...without } = doc;
    expect(ReportDocumentSchema.safeParse(without).success).toBe(false);
  });
});

describe('CLI conventions', () => {
  it('--version prints the package version', async () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
    expect(await run(['--version'])).toEqual({ code: 0, out: `kubemedic ${pkg.version}`, err: '' });
  });

  it.each(['diagnose', 'checks', 'audit', 'lint'])(
    '%s --help prints its usage, exit 0',
    async (c) => {
      const res = await run([c, '--help']);
      expect(res.code).toBe(0);
      expect(res.out).toMatch(new RegExp(`^Usage:\\n  kubemedic ${c}`));
      expect(res.err).toBe('');
    },
  );

  it('colours a terminal unless NO_COLOR or --color=never; --color forces it', async () => {
    const esc = '\u001b[';
    const args = ['diagnose', 'api-service', '-f', seed];
    const saved = process.env.NO_COLOR;
    try {
      delete process.env.NO_COLOR;
      expect((await run(args, true)).out).toContain(esc);
      expect((await run([...args, '--color=never'], true)).out).not.toContain(esc);
      expect((await run([...args, '--color'], false)).out).toContain(esc);
      process.env.NO_COLOR = '1';
      expect((await run(args, true)).out).not.toContain(esc);
    } finally {
      if (saved === undefined) delete process.env.NO_COLOR;
      else process.env.NO_COLOR = saved;
    }
  });
});
