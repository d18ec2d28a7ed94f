// `kubemedic checks`: what kubemedic looks at, for people deciding whether to trust it: every
// check (id, layer, meaning, the fixes it may offer) in root-cause order, and every fix. All of
// it is read from the registries, so the list cannot drift from what runs.
import { FIXES, fixesOfferedBy } from '../diagnosis/fixes/registry.js';
import { CHECKS } from '../diagnosis/registry.js';
import { type CliIO, OUTPUT_OPTION, outputFormat, parseCommandArgs } from './args.js';

export const CHECKS_USAGE = `Usage:
  kubemedic checks [--output text|json]

Lists every check, deepest cause first (the order findings are ranked in): its id, the layer it
reports under, what it means, and the fixes its findings may offer; then every fix, whether it
can be undone, and the kinds it changes. Fixes are applied only after approval in Slack.`;

/** The catalogue as data: what `-o json` prints and the text is rendered from. */
export function catalogue() {
  return {
    checks: CHECKS.map((c) => ({
      id: c.id,
      layer: c.layer,
      meaning: c.meaning,
      explains: [...c.explains],
      fixes: fixesOfferedBy(c.id),
    })),
    fixes: FIXES.map((f) => ({
      id: f.id,
      meaning: f.meaning,
      undoable: f.undoable,
      kinds: f.kinds.map((k) => k.kind),
      offeredBy: [...f.offeredBy],
    })),
  };
}

export function renderCatalogue(c: ReturnType<typeof catalogue>): string {
  const idWidth = Math.max(...c.checks.map((x) => x.id.length), ...c.fixes.map((x) => x.id.length));
  const checks = c.checks.map(
    (x) =>
      `  ${x.id.padEnd(idWidth)}  ${`[${x.layer}]`.padEnd(16)} ${x.meaning}` +
      (x.fixes.length
        ? `\n  ${''.padEnd(idWidth)}  ${''.padEnd(16)} fixes: ${x.fixes.join(', ')}`
        : ''),
  );
  const fixes = c.fixes.map(
    (x) =>
      `  ${x.id.padEnd(idWidth)}  ${x.meaning} [${x.undoable ? 'undoable' : 'cannot be undone'}; changes ${[...new Set(x.kinds)].join(', ')}]`,
  );
  return [
    `Checks (${c.checks.length}, deepest cause first):`,
    ...checks,
    '',
    `Fixes (${c.fixes.length}, each applied only after approval):`,
    ...fixes,
  ].join('\n');
}

export function checksCommand(args: string[], io: CliIO): number {
  const values = parseCommandArgs(
    args,
    { ...OUTPUT_OPTION, help: { type: 'boolean', short: 'h' } },
    CHECKS_USAGE,
  );
  if (values.help) {
    io.out(CHECKS_USAGE);
    return 0;
  }
  const c = catalogue();
  const output = outputFormat(values.output, CHECKS_USAGE);
  io.out(output === 'json' ? JSON.stringify(c, null, 2) : renderCatalogue(c));
  return 0;
}
