// Reads rendered manifests for `kubemedic lint`: files, directories (recursively), and `-` for
// standard input (`helm template ... | kubemedic lint -`). YAML (multi-document, as Kubernetes
// reads it: YAML 1.1) and JSON (which the YAML parser reads too), single objects or Lists. Each
// object keeps the file and the line it starts on, so a finding can point at it.
import { readFile, readdir, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { LineCounter, type Node, isMap, isSeq, parseAllDocuments } from 'yaml';
import { DumpError } from '../cluster/from-file.js';
import type { KubeObject } from '../cluster/k8s-types.js';
import { uniqueNearest } from '../diagnosis/model/names.js';

/** Input a user gave that cannot be read as manifests: one line, exit 2. */
export class LintInputError extends DumpError {}

export interface Source {
  /** As given (relative to the working directory), or `stdin`. */
  file: string;
  /** 1-based line of the object's first key. */
  line: number;
}

export type ManifestObject = KubeObject & { kind: string; apiVersion: string };

export interface Located {
  object: ManifestObject;
  source: Source;
}

export const STDIN = 'stdin';
const MANIFEST_FILE = /\.(ya?ml|json)$/i;

/** The files a path stands for: itself, or the manifest files under a directory, sorted. */
async function filesOf(path: string): Promise<string[]> {
  let info;
  try {
    info = await stat(path);
  } catch (err) {
    throw new LintInputError(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code}`);
  }
  if (!info.isDirectory()) return [path];
  const entries = await readdir(path, { withFileTypes: true });
  if (entries.some((e) => e.isFile() && e.name === 'Chart.yaml'))
    throw new LintInputError(
      `${path} is a Helm chart, not rendered manifests: run \`helm template ${path} | kubemedic lint -\``,
    );
  const out: string[] = [];
  for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    if (e.name.startsWith('.') || e.name === 'node_modules') continue;
    const p = join(path, e.name);
    if (e.isDirectory()) out.push(...(await filesOf(p)));
    else if (e.isFile() && MANIFEST_FILE.test(e.name)) out.push(p);
  }
  return out;
}

/** Reads every input; `-` reads standard input once. Throws LintInputError. */
export async function readInputs(
  paths: string[],
  readStdin: () => Promise<string>,
): Promise<{ objects: Located[]; files: string[] }> {
  const objects: Located[] = [];
  const files: string[] = [];
  for (const path of paths) {
    if (path === '-') {
      files.push(STDIN);
      objects.push(...parseManifests(await readStdin(), STDIN));
      continue;
    }
    for (const file of await filesOf(path)) {
      const shown = relative(process.cwd(), file) || file;
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch (err) {
        throw new LintInputError(`cannot read ${shown}: ${(err as NodeJS.ErrnoException).code}`);
      }
      files.push(shown);
      objects.push(...parseManifests(text, shown));
    }
  }
  if (objects.length === 0)
    throw new LintInputError(
      `no Kubernetes objects found in ${files.join(', ') || paths.join(', ')}`,
    );
  return { objects, files };
}

/** The objects of one file, each with its line. Throws LintInputError naming file and line. */
export function parseManifests(text: string, file: string): Located[] {
  const lines = new LineCounter();
  const lineOf = (node: Node | null | undefined) =>
    node?.range ? lines.linePos(node.range[0]).line : 1;
  const out: Located[] = [];
  for (const doc of parseAllDocuments(text, { version: '1.1', lineCounter: lines })) {
    const error = doc.errors[0];
    if (error) {
      const at = error.linePos?.[0];
      // The parser's message carries a code frame after its first line: one line is enough.
      const message = error.message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '');
      throw new LintInputError(
        `${file}:${at?.line ?? 1}: malformed YAML or JSON: ${message} (column ${at?.col ?? 1})`,
      );
    }
    const root = doc.contents;
    const value: unknown = doc.toJS({ maxAliasCount: 100 });
    if (root === null || value === null) continue; // an empty document (a trailing ---)
    // A JSON array of objects, as some tools print several objects.
    if (isSeq(root) && Array.isArray(value))
      root.items.forEach((node, i) => out.push(...objectsOf(value[i], node as Node, file, lineOf)));
    else out.push(...objectsOf(value, root, file, lineOf));
  }
  return out;
}

function objectsOf(
  value: unknown,
  node: Node,
  file: string,
  lineOf: (n: Node | null | undefined) => number,
): Located[] {
  const line = lineOf(node);
  if (!isRecord(value) || !isMap(node))
    throw new LintInputError(`${file}:${line}: not a Kubernetes object (expected a mapping)`);
  const kind = value.kind;
  if (typeof kind === 'string' && kind.endsWith('List') && Array.isArray(value.items)) {
    const items = node.get('items', true);
    const itemKind = kind === 'List' ? undefined : kind.slice(0, -4);
    return value.items.flatMap((item: unknown, i) => {
      const itemNode = isSeq(items) ? (items.items[i] as Node) : node;
      const withKind =
        itemKind && isRecord(item) && item.kind === undefined
          ? { apiVersion: value.apiVersion, ...item, kind: itemKind }
          : item;
      return objectsOf(withKind, itemNode, file, lineOf);
    });
  }
  const problem = objectProblem(value);
  if (problem) throw new LintInputError(`${file}:${line}: ${problem}`);
  return [{ object: value as unknown as ManifestObject, source: { file, line } }];
}

function objectProblem(v: Record<string, unknown>): string | undefined {
  if (typeof v.kind !== 'string' || !v.kind)
    return 'not a Kubernetes object: it has no kind (is this a values file or a Helm template?)';
  if (typeof v.apiVersion !== 'string' || !v.apiVersion) return `${v.kind} has no apiVersion`;
  const meta = v.metadata;
  if (!isRecord(meta) || typeof meta.name !== 'string' || !meta.name)
    return `${v.kind} has no metadata.name`;
  const unknown = unknownKind(v.apiVersion, v.kind);
  if (unknown) return unknown;
  return undefined;
}

/**
 * Kinds of the API groups Kubernetes (and the Gateway API and Istio, whose kinds kubemedic
 * reads) serve: a kind of one of these groups not listed here is a typo that the API server
 * would reject. Groups not listed (custom resources) are taken as they are.
 */
const GROUP_KINDS: Record<string, string[]> = {
  '': [
    'Binding',
    'ConfigMap',
    'Endpoints',
    'Event',
    'LimitRange',
    'Namespace',
    'Node',
    'PersistentVolume',
    'PersistentVolumeClaim',
    'Pod',
    'PodTemplate',
    'ReplicationController',
    'ResourceQuota',
    'Secret',
    'Service',
    'ServiceAccount',
  ],
  apps: ['ControllerRevision', 'DaemonSet', 'Deployment', 'ReplicaSet', 'StatefulSet'],
  batch: ['CronJob', 'Job'],
  autoscaling: ['HorizontalPodAutoscaler'],
  policy: ['PodDisruptionBudget', 'Eviction'],
  'networking.k8s.io': ['Ingress', 'IngressClass', 'NetworkPolicy', 'IPAddress', 'ServiceCIDR'],
  'discovery.k8s.io': ['EndpointSlice'],
  'rbac.authorization.k8s.io': ['ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding'],
  'storage.k8s.io': [
    'CSIDriver',
    'CSINode',
    'CSIStorageCapacity',
    'StorageClass',
    'VolumeAttachment',
    'VolumeAttributesClass',
  ],
  'scheduling.k8s.io': ['PriorityClass'],
  'coordination.k8s.io': ['Lease'],
  'node.k8s.io': ['RuntimeClass'],
  'apiextensions.k8s.io': ['CustomResourceDefinition'],
  'admissionregistration.k8s.io': [
    'MutatingWebhookConfiguration',
    'ValidatingWebhookConfiguration',
    'ValidatingAdmissionPolicy',
    'ValidatingAdmissionPolicyBinding',
    'MutatingAdmissionPolicy',
    'MutatingAdmissionPolicyBinding',
  ],
  'gateway.networking.k8s.io': [
    'BackendTLSPolicy',
    'GRPCRoute',
    'Gateway',
    'GatewayClass',
    'HTTPRoute',
    'ListenerSet',
    'ReferenceGrant',
    'TCPRoute',
    'TLSRoute',
    'UDPRoute',
  ],
  'networking.istio.io': [
    'DestinationRule',
    'EnvoyFilter',
    'Gateway',
    'ProxyConfig',
    'ServiceEntry',
    'Sidecar',
    'VirtualService',
    'WorkloadEntry',
    'WorkloadGroup',
  ],
};

function unknownKind(apiVersion: string, kind: string): string | undefined {
  const group = apiVersion.includes('/') ? (apiVersion.split('/')[0] ?? '') : '';
  const kinds = GROUP_KINDS[group];
  if (!kinds || kinds.includes(kind)) return undefined;
  const near = uniqueNearest(kind, kinds);
  return `unknown kind ${kind} in ${apiVersion}${near ? ` (did you mean ${near}?)` : ''}: the API server would reject it`;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
