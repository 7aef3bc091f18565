#!/usr/bin/env node
// The CLI behind the npm scripts, started from JavaScript built once (build/cli.mjs) instead of
// compiling the TypeScript tree on every start; rebuilt first when a source changed.
// Development and tests still run harness/cli.ts through tsx.
import { pathToFileURL } from 'node:url';
import { ensureCli } from './build-cli.mjs';

const cli = await ensureCli();
const { main, installFatalHandlers } = await import(pathToFileURL(cli).href);
// An uncaught error still runs the cleanup (namespaces, processes, temporary files).
installFatalHandlers();
// Exit once cleanup is done, whatever timers an interrupted exchange left behind (as harness/cli.ts does).
process.exit(await main(process.argv.slice(2)));
