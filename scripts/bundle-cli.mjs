// The CLI as few files as start-up needs: `npm run build` compiles src/ with tsc, then this
// bundles dist/cli/index.js and what it imports (dependencies included) into dist/cli/bundle/.
// A person's `kubemedic` then reads one file for --help, one more for a diagnosis, instead of
// resolving and compiling some 80 modules of ours and 1,400 of @kubernetes/client-node.
// Commands still import what only they need (code splitting), so --help and --from-file never
// load the API client. bin/kubemedic.js runs the bundle; dist/main.js (the bot) is not bundled.
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(root, 'dist', 'cli', 'bundle');

// @kubernetes/client-node does not declare itself free of side effects, so a bundler keeps every
// module its index re-exports (the generated APIs and models, watch, exec, cp and their
// dependencies) because many assign static fields after a class. Its modules only declare
// (classes, functions, constants; the statics are their own classes'): said so here, the
// bundler keeps only what the KubeConfig class reaches.
const clientNode = `${sep}@kubernetes${sep}client-node${sep}dist${sep}`;
const clientNodeOnlyDeclares = {
  name: 'client-node-modules-only-declare',
  setup(b) {
    b.onResolve({ filter: /.*/ }, async (args) => {
      if (args.pluginData === 'resolved') return undefined;
      if (args.path !== '@kubernetes/client-node' && !args.resolveDir.includes(clientNode))
        return undefined;
      const r = await b.resolve(args.path, {
        kind: args.kind,
        importer: args.importer,
        resolveDir: args.resolveDir,
        pluginData: 'resolved',
      });
      if (r.errors.length > 0) return undefined;
      return r.path.includes(clientNode) ? { ...r, sideEffects: false } : r;
    });
  },
};

// Two dependencies of KubeConfig that a diagnosis rarely runs are over a third of the client's
// chunk: node-fetch (for its Headers; with whatwg-url and tr46's mapping table) and
// socks-proxy-agent (a socks:// proxy-url; with socks, ip-address, smart-buffer). Each is
// bundled on its own as CommonJS beside the chunks, and the client's imports of them become
// shims that require that file the first time one of its exports is used.
const LAZY = {
  'node-fetch': { default: 'function', Headers: 'class', AbortError: 'class', FetchError: 'class' },
  'socks-proxy-agent': { SocksProxyAgent: 'class' },
};
const lazyFile = (pkg) => `lazy-${pkg}.cjs`;
const lazyShim = (pkg) =>
  [
    "import { createRequire } from 'node:module';",
    'let loaded;',
    `const load = () => (loaded ??= createRequire(import.meta.url)('./${lazyFile(pkg)}'));`,
    ...Object.entries(LAZY[pkg]).map(([name, kind]) =>
      kind === 'class'
        ? `export class ${name} { constructor(...a) { return new (load().${name})(...a); } }`
        : 'export default function (...a) { const m = load(); return (m.default ?? m)(...a); }',
    ),
  ].join('\n');
const lazyDependencies = {
  name: 'lazy-dependencies',
  setup(b) {
    b.onResolve({ filter: /^(node-fetch|socks-proxy-agent)$/ }, (args) =>
      args.importer.includes(clientNode) ? { path: args.path, namespace: 'lazy' } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'lazy' }, (args) => ({
      contents: lazyShim(args.path),
      loader: 'js',
    }));
  },
};

rmSync(outdir, { recursive: true, force: true });
const clientNodeDir = dirname(
  createRequire(import.meta.url).resolve('@kubernetes/client-node/dist/config.js'),
);
for (const pkg of Object.keys(LAZY))
  await build({
    stdin: { contents: `module.exports = require('${pkg}');`, resolveDir: clientNodeDir },
    outfile: join(outdir, lazyFile(pkg)),
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    logLevel: 'warning',
    legalComments: 'none',
  });
await build({
  entryPoints: { kubemedic: join(root, 'dist', 'cli', 'index.js') },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // Dependencies written as CommonJS call require(); an ESM bundle has none of its own.
  banner: {
    js: "import { createRequire as __kmCreateRequire } from 'node:module'; const require = __kmCreateRequire(import.meta.url);",
  },
  plugins: [lazyDependencies, clientNodeOnlyDeclares],
  logLevel: 'warning',
  legalComments: 'none',
});
