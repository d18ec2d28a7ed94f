// The CLI as few files as start-up needs: `npm run build` compiles src/ with tsc, then this
// bundles dist/cli/index.js and what it imports (dependencies included) into dist/cli/bundle/.
// A person's `kubemedic` then reads one file for --help, one more for a diagnosis, instead of
// resolving and compiling some 80 modules of ours and 1,400 of @kubernetes/client-node.
// Commands still import what only they need (code splitting), so --help and --from-file never
// load the API client. bin/kubemedic.js runs the bundle; dist/main.js (the bot) is not bundled.
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
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

rmSync(outdir, { recursive: true, force: true });
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
  plugins: [clientNodeOnlyDeclares],
  logLevel: 'warning',
  legalComments: 'none',
});
