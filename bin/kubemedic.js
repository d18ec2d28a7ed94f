#!/usr/bin/env node
// The terminal entry. `npm ci` builds dist/ (prepare), so this runs the compiled CLI: the bundle
// `npm run build` makes of it (scripts/bundle-cli.mjs), which starts several times faster than
// the module tree it is made from.
import { runCli } from '../dist/cli/bundle/kubemedic.js';

process.exitCode = await runCli(process.argv.slice(2));
