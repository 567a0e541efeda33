#!/usr/bin/env node
/**
 * The server's composition root when run directly: `node dist/main.js [server] -config=...`
 * or `node dist/main.js server -dev`. The `coffer` CLI's `server` subcommand calls
 * `runServerCommand` itself.
 */
import { runServerCommand } from './run-server-command.js';

const args = process.argv.slice(2);
if (args[0] === 'server') args.shift();
const code = await runServerCommand(args);
// The server has shut down cleanly (listeners closed, sealed, storage closed): end the process
// even if a library keeps a handle open (gRPC channels may linger after a leadership hand-over).
process.exit(code);
