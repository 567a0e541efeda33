#!/usr/bin/env node
import { runCli } from './cli/run-cli.js';

const args = process.argv.slice(2);
const code = await runCli(args);
// After `coffer server` has shut down cleanly, end the process even if a library keeps a handle
// open (gRPC channels may linger after a leadership hand-over); other commands end naturally.
if (args[0] === 'server') process.exit(code);
process.exitCode = code;
