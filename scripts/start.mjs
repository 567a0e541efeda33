#!/usr/bin/env node
// `npm start`: starts Coffer for a new user. Until the server lands it prints what is coming.
import { readFileSync } from 'node:fs';
const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
console.log(`Coffer ${pkg.version}`);
console.log('The server is not built yet: the barrier (encrypted storage) is the first piece to land.');
