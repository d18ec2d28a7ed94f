// Builds a Snapshot from what `kubectl get ... -o json` (or -o yaml) printed: a List of objects of
// any kinds, single objects, or several files.
import { readFile } from 'node:fs/promises';
import { type Snapshot, addObjects, emptySnapshot } from './snapshot.js';

export class DumpError extends Error {}

export async function parseDump(text: string, source: string): Promise<unknown[]> {
  const trimmed = text.trim();
  if (!trimmed) throw new DumpError(`${source} is empty`);
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    try {
      const parsed: unknown = JSON.parse(trimmed);
      return Array.isArray(parsed) ? parsed : [parsed];
    } catch (err) {
      throw new DumpError(`${source} is not valid JSON: ${(err as Error).message}`);
    }
  }
  // The YAML parser is loaded only for YAML: most dumps are JSON, and the CLI starts faster
  // without it.
  const { parseAllDocuments } = await import('yaml');
  const docs = parseAllDocuments(trimmed);
  const out: unknown[] = [];
  for (const d of Array.isArray(docs) ? docs : [docs]) {
    if (d.errors.length)
      throw new DumpError(`${source} is neither JSON nor YAML: ${d.errors[0]?.message}`);
    out.push(d.toJS());
  }
  return out;
}

/** The latest timestamp the objects carry: "now" for a dump, so ages read as at capture time. */
export function latestTimestamp(snapshot: Snapshot): string | undefined {
  let latest = '';
  const visit = (v: unknown, depth: number): void => {
    if (depth > 8 || v === null || typeof v !== 'object') return;
    for (const [k, x] of Object.entries(v)) {
      if (
        typeof x === 'string' &&
        /(Time|Timestamp|At|time)$/.test(k) &&
        /^\d{4}-\d\d-\d\dT/.test(x)
      ) {
        if (x > latest) latest = x;
      } else visit(x, depth + 1);
    }
  };
  for (const [k, list] of Object.entries(snapshot))
    if (Array.isArray(list) && k !== 'logs') visit(list, 0);
  return latest ? new Date(latest).toISOString() : undefined;
}

export async function snapshotFromFiles(paths: string[]): Promise<Snapshot> {
  const snapshot = emptySnapshot();
  let added = 0;
  for (const path of paths) {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      throw new DumpError(
        `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      );
    }
    added += addObjects(snapshot, await parseDump(text, path));
  }
  if (added === 0) throw new DumpError(`no Kubernetes objects found in ${paths.join(', ')}`);
  snapshot.capturedAt = latestTimestamp(snapshot) ?? snapshot.capturedAt;
  return snapshot;
}
