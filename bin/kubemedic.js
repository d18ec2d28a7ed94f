#!/usr/bin/env node
// The terminal entry. `npm ci` builds dist/ (prepare), so this runs the compiled CLI.
import { runCli } from '../dist/cli/index.js';

process.exitCode = await runCli(process.argv.slice(2));
