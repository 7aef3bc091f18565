#!/usr/bin/env node
// The CLI behind the npm scripts, started from JavaScript built once (build/cli.mjs) instead of
// compiling the TypeScript tree on every start; rebuilt first when a source changed.
// Development and tests still run harness/cli.ts through tsx.
import { pathToFileURL } from 'node:url';
import { ensureCli } from './build-cli.mjs';

const cli = await ensureCli();
const { main, exitWhenFlushed, installFatalHandlers } = await import(pathToFileURL(cli).href);
// An uncaught error still runs the cleanup (namespaces, processes, temporary files).
installFatalHandlers();
// Exit once cleanup is done and stdout is drained (a pipe would lose the rest), whatever timers
// an interrupted exchange left behind (as harness/cli.ts does).
await exitWhenFlushed(await main(process.argv.slice(2)));
