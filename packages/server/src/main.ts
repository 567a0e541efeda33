#!/usr/bin/env node
/**
 * The server's composition root when run directly: `node dist/main.js [server] -config=...`
 * or `node dist/main.js server -dev`. The `coffer` CLI's `server` subcommand calls
 * `runServerCommand` itself.
 */
import { runServerCommand } from './run-server-command.js';

const args = process.argv.slice(2);
if (args[0] === 'server') args.shift();
process.exitCode = await runServerCommand(args);
