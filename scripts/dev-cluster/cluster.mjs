// The local three-node development cluster behind `npm start` (see scripts/start.mjs).
//
// Starts three `coffer server -config=<dir>/nodeN.hcl` processes (raft storage under <dir>),
// and on the first run initialises node1 (3-of-5 keys), unseals it, lets node2/node3 join through
// retry_join and unseals them, waits for three voters and mounts KV v2 at secret/. The keys and
// root token are kept in <dir>/init.json (mode 0600, DEVELOPMENT ONLY), so later runs unseal
// all three automatically. SIGINT/SIGTERM stop all three (SIGTERM, SIGKILL after 10 s).
import { spawn } from 'node:child_process';
import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { closeSync, existsSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { createServer } from 'node:net';
import { relative } from 'node:path';
import { api, describe } from './http.mjs';
import { KEY_SHARES, KEY_THRESHOLD, nodeConfig } from './layout.mjs';

const STOP_GRACE_MS = 10_000;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Thrown inside start-up once a shutdown has begun: not an error worth reporting. */
class Stopping extends Error {}

export class DevCluster {
  #layout;
  #cliMain;
  #root;
  /** id -> { node, child, exited: Promise<void>, alive } */
  #procs = new Map();
  #stopping = false;
  /** The pids file is ours to remove only once this run wrote it. */
  #wrotePids = false;

  constructor({ layout, cliMain, root }) {
    this.#layout = layout;
    this.#cliMain = cliMain;
    this.#root = root;
  }

  #rel(path) {
    const r = relative(process.cwd(), path);
    return r === '' || r.startsWith('..') ? path : r;
  }

  /** Runs until stopped; never returns (exits the process). */
  async run() {
    const { dir, nodes } = this.#layout;
    process.on('SIGINT', () => void this.shutdown(0, 'SIGINT'));
    process.on('SIGTERM', () => void this.shutdown(0, 'SIGTERM'));
    process.on('exit', () => {
      // Last resort (uncaught error): never leave nodes behind.
      for (const p of this.#procs.values()) if (p.alive) p.child.kill('SIGKILL');
    });

    try {
      await mkdir(dir, { recursive: true, mode: 0o700 });
      this.#checkNotRunning();
      await this.#checkPortsFree();
      for (const node of nodes) await writeFile(node.configFile, nodeConfig(node, nodes));
      this.#spawnAll();
      await this.#bringUp();
    } catch (err) {
      if (err instanceof Stopping || this.#stopping) return;
      console.error(`\n==> Error: ${err instanceof Error ? err.message : String(err)}`);
      await this.shutdown(1, 'start-up failed');
    }
  }

  #checkNotRunning() {
    const { pidsFile } = this.#layout;
    if (!existsSync(pidsFile)) return;
    const alive = [];
    for (const line of readFileSync(pidsFile, 'utf8').split('\n')) {
      const [name, pidText] = line.trim().split(/\s+/);
      const pid = Number(pidText);
      if (!name || !Number.isInteger(pid) || pid <= 0 || pid === process.pid) continue;
      try {
        process.kill(pid, 0);
        alive.push(`${name} ${pid}`);
      } catch {
        // gone
      }
    }
    if (alive.length > 0) {
      throw new Error(
        `a dev cluster already seems to be running from ${this.#rel(this.#layout.dir)} (${alive.join(', ')}).\n` +
          `    Stop it with Ctrl-C in its terminal (or kill those pids), or delete ${this.#rel(pidsFile)} if they are not Coffer.`,
      );
    }
  }

  async #checkPortsFree() {
    for (const node of this.#layout.nodes) {
      for (const port of [node.apiPort, node.clusterPort]) {
        const free = await new Promise((resolve) => {
          const srv = createServer();
          srv.once('error', () => resolve(false));
          srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
        });
        if (!free) {
          throw new Error(
            `127.0.0.1:${port} (${node.id}) is already in use (another Coffer or Vault?). Stop it, or pick other ports with COFFER_DEV_PORT=<base>.`,
          );
        }
      }
    }
  }

  #spawnAll() {
    const { nodes, pidsFile } = this.#layout;
    console.log(
      `==> Starting node1..node3 (data: ${this.#rel(this.#layout.dir)}/, logs: ${nodes.map((n) => this.#rel(n.logFile)).join(', ')})`,
    );
    for (const node of nodes) {
      const fd = openSync(node.logFile, 'a');
      writeSync(
        fd,
        `\n----- ${new Date().toISOString()} npm start: coffer server -config=${node.configFile} -----\n`,
      );
      const child = spawn(process.execPath, [this.#cliMain, 'server', `-config=${node.configFile}`], {
        cwd: this.#root,
        stdio: ['ignore', fd, fd],
        // Own process group: Ctrl-C reaches only this script, which stops the nodes in order.
        detached: true,
      });
      closeSync(fd);
      const proc = { node, child, alive: true, result: undefined, exited: undefined };
      proc.exited = new Promise((resolve) => {
        child.once('exit', (code, signal) => {
          proc.alive = false;
          proc.result = signal ?? code;
          if (!this.#stopping) {
            console.error(
              `\n==> ${node.id} (pid ${child.pid}) exited unexpectedly (${signal ?? `exit code ${code}`}). Last lines of ${this.#rel(node.logFile)}:`,
            );
            console.error(this.#logTail(node.logFile));
            void this.shutdown(1, `${node.id} died`);
          }
          resolve();
        });
        child.once('error', (err) => {
          proc.alive = false;
          if (!this.#stopping) {
            console.error(`\n==> could not start ${node.id}: ${err.message}`);
            void this.shutdown(1, `${node.id} failed to start`);
          }
          resolve();
        });
      });
      this.#procs.set(node.id, proc);
    }
    const lines = [
      `start ${process.pid}`,
      ...[...this.#procs.values()].map((p) => `${p.node.id} ${p.child.pid}`),
    ];
    rmSync(pidsFile, { force: true });
    writeFileSyncSafe(pidsFile, `${lines.join('\n')}\n`);
    this.#wrotePids = true;
  }

  #logTail(file, lines = 15) {
    try {
      return readFileSync(file, 'utf8')
        .trimEnd()
        .split('\n')
        .slice(-lines)
        .map((l) => `    ${l}`)
        .join('\n');
    } catch {
      return '    (no log)';
    }
  }

  /** Polls `check` (undefined = not yet) until it answers, the deadline passes, or shutdown starts. */
  async #waitFor(what, timeoutMs, check) {
    const deadline = Date.now() + timeoutMs;
    let last = '';
    for (;;) {
      if (this.#stopping) throw new Stopping();
      try {
        const v = await check();
        if (v !== undefined) return v;
      } catch (err) {
        last = err instanceof Error ? (err.cause?.code ?? err.message) : String(err);
      }
      if (this.#stopping) throw new Stopping();
      if (Date.now() > deadline)
        throw new Error(
          `timed out after ${timeoutMs / 1000} s waiting for ${what}${last ? ` (${last})` : ''}`,
        );
      await sleep(200);
    }
  }

  #sealStatus(node) {
    return this.#waitFor(`${node.id} to answer on ${node.url}`, 30_000, async () => {
      const res = await api(node.url, 'GET', 'sys/seal-status');
      return res.status === 200 ? res.body : undefined;
    });
  }

  async #bringUp() {
    const { nodes, initFile } = this.#layout;
    const statuses = await Promise.all(nodes.map((n) => this.#sealStatus(n)));
    const [node1] = nodes;

    let init;
    let firstRun = false;
    if (!existsSync(initFile)) {
      const initialised = nodes.filter((_, i) => statuses[i].initialized);
      if (initialised.length > 0) {
        throw new Error(
          `${initialised.map((n) => n.id).join(', ')} already hold(s) initialised data but ${this.#rel(initFile)} is missing, so the keys are unknown.\n` +
            `    Unseal by hand (see docs/operations.md), or remove ${this.#rel(this.#layout.dir)} to start a fresh cluster.`,
        );
      }
      console.log(
        `==> First run: initialising the cluster on ${node1.id} (${KEY_SHARES} unseal keys, any ${KEY_THRESHOLD} unseal)`,
      );
      const res = await api(node1.url, 'PUT', 'sys/init', {
        body: { secret_shares: KEY_SHARES, secret_threshold: KEY_THRESHOLD },
        timeoutMs: 60_000,
      });
      if (res.status !== 200) throw new Error(`sys/init on ${node1.id}: ${describe(res)}`);
      init = {
        warning:
          'DEVELOPMENT ONLY: unseal keys and root token in plaintext. Never use this cluster for real secrets.',
        created: new Date().toISOString(),
        unseal_keys_b64: res.body.keys_base64,
        unseal_keys_hex: res.body.keys,
        unseal_shares: KEY_SHARES,
        unseal_threshold: KEY_THRESHOLD,
        root_token: res.body.root_token,
      };
      await writePrivate(initFile, `${JSON.stringify(init, null, 2)}\n`);
      firstRun = true;
    } else {
      init = JSON.parse(await readFile(initFile, 'utf8'));
      if (
        !Array.isArray(init.unseal_keys_b64) ||
        typeof init.root_token !== 'string' ||
        !Number.isInteger(init.unseal_threshold)
      ) {
        throw new Error(
          `${this.#rel(initFile)} is not a dev-cluster init file (unseal_keys_b64, unseal_threshold, root_token)`,
        );
      }
      if (!statuses[0].initialized) {
        throw new Error(
          `${this.#rel(initFile)} exists but ${node1.id} has no initialised data. Remove ${this.#rel(this.#layout.dir)} to start a fresh cluster.`,
        );
      }
      console.log(
        `==> Reusing ${this.#rel(this.#layout.dir)}/: unsealing node1..node3 with the keys in ${this.#rel(initFile)}`,
      );
    }

    const keys = init.unseal_keys_b64.slice(0, init.unseal_threshold);
    for (const node of nodes) await this.#unseal(node, keys);

    await this.#waitFor('three raft voters', 60_000, async () => {
      const res = await api(node1.url, 'GET', 'sys/storage/raft/configuration', { token: init.root_token });
      if (res.status !== 200) throw new Error(`raft configuration: ${describe(res)}`);
      const voters = (res.body?.data?.config?.servers ?? []).filter((s) => s.voter).map((s) => s.node_id);
      return voters.length === 3 ? voters : undefined;
    });

    if (firstRun) {
      const res = await this.#waitFor('mounting secret/', 15_000, async () => {
        const r = await api(node1.url, 'POST', 'sys/mounts/secret', {
          token: init.root_token,
          body: { type: 'kv', options: { version: '2' }, description: 'key/value secret storage' },
        });
        if (r.status >= 500) throw new Error(describe(r));
        return r;
      });
      if (res.status >= 300) console.warn(`==> Warning: could not mount KV v2 at secret/: ${describe(res)}`);
    }

    // Ready = every node names the same active node (so standbys can forward right away).
    const active = await this.#waitFor('every node to see the active node', 30_000, async () => {
      const leaders = await Promise.all(nodes.map((n) => api(n.url, 'GET', 'sys/leader')));
      const addrs = new Set(leaders.map((r) => (r.status === 200 ? r.body?.leader_address : undefined)));
      if (addrs.size !== 1) return undefined;
      const [addr] = addrs;
      return nodes.find((n, i) => n.url === addr && leaders[i].body?.is_self === true);
    });
    this.#printReady(init, active);
  }

  /** Unseals `node` with `keys`; a node still waiting for its retry_join challenge is waited for. */
  async #unseal(node, keys) {
    const status = await this.#waitFor(
      `${node.id} to join (retry_join challenge from the active node)`,
      60_000,
      async () => {
        const res = await api(node.url, 'GET', 'sys/seal-status');
        return res.status === 200 && res.body?.initialized === true ? res.body : undefined;
      },
    );
    if (status.sealed === false) return;
    for (const key of keys) {
      const res = await api(node.url, 'PUT', 'sys/unseal', { body: { key }, timeoutMs: 60_000 });
      if (res.status !== 200) throw new Error(`unseal ${node.id}: ${describe(res)}`);
      if (res.body?.sealed === false) {
        console.log(`    ${node.id} unsealed`);
        return;
      }
    }
    throw new Error(
      `${node.id} is still sealed after ${keys.length} keys (do the keys in ${this.#rel(this.#layout.initFile)} belong to this data?)`,
    );
  }

  #printReady(init, active) {
    const { nodes, dir, initFile } = this.#layout;
    const node1 = nodes[0];
    const out = [];
    out.push('');
    out.push(`==> Coffer dev cluster ready: 3 nodes on 127.0.0.1, data in ${this.#rel(dir)}/`);
    out.push('');
    for (const n of nodes) {
      const p = this.#procs.get(n.id);
      const role = n === active ? 'active ' : 'standby';
      out.push(`    ${n.id}  ${n.url}  ${role}  pid ${p.child.pid}  log ${this.#rel(n.logFile)}`);
    }
    out.push('');
    out.push(
      '    Standbys forward every request to the active node: any address works. KV v2 is at secret/.',
    );
    out.push('');
    out.push(
      `Unseal keys (any ${init.unseal_threshold} of ${init.unseal_keys_b64.length}; already used to unseal all three nodes):`,
    );
    init.unseal_keys_b64.forEach((k, i) => out.push(`    Unseal Key ${i + 1}: ${k}`));
    out.push(`Root Token: ${init.root_token}`);
    out.push('');
    out.push(`    export VAULT_ADDR=${node1.url} VAULT_TOKEN=${init.root_token}`);
    out.push('');
    out.push(
      `WARNING! DEVELOPMENT ONLY: the unseal keys and root token are stored in plaintext in ${initFile}.`,
    );
    out.push('Never put real secrets in this cluster.');
    out.push('');
    out.push(
      `Ctrl-C stops all three nodes. \`npm start\` again reuses the data; remove ${this.#rel(dir)}/ to start over.`,
    );
    console.log(out.join('\n'));
  }

  /** Stops every node (SIGTERM, SIGKILL after 10 s) and exits with `code`. */
  async shutdown(code, reason) {
    if (this.#stopping) return;
    this.#stopping = true;
    const procs = [...this.#procs.values()];
    const running = procs.filter((p) => p.alive);
    if (procs.length === 0) process.exit(code);
    console.log(
      `\n==> Stopping the dev cluster (${reason}): SIGTERM to ${running.map((p) => `${p.node.id} (pid ${p.child.pid})`).join(', ') || 'no running node'}`,
    );
    const t0 = Date.now();
    for (const p of running) p.child.kill('SIGTERM');
    const forced = [];
    const timer = setTimeout(() => {
      for (const p of procs) {
        if (p.alive) {
          forced.push(p.node.id);
          p.child.kill('SIGKILL');
        }
      }
    }, STOP_GRACE_MS);
    await Promise.all(procs.map((p) => p.exited));
    clearTimeout(timer);
    if (this.#wrotePids) await rm(this.#layout.pidsFile, { force: true });
    const unclean = running
      .filter((p) => !forced.includes(p.node.id) && p.result !== 0)
      .map((p) => `${p.node.id}: ${p.result}`);
    if (unclean.length > 0)
      console.log(
        `==> Not a clean exit (${unclean.join(', ')}): see the node logs in ${this.#rel(this.#layout.dir)}/`,
      );
    if (forced.length > 0)
      console.log(`==> ${forced.join(', ')} did not stop within ${STOP_GRACE_MS / 1000} s: killed (SIGKILL)`);
    console.log(
      `==> Stopped${running.length > 0 ? ` ${running.map((p) => p.node.id).join(', ')}` : ''} in ${((Date.now() - t0) / 1000).toFixed(1)} s.`,
    );
    process.exit(code);
  }
}

function writeFileSyncSafe(path, text) {
  const fd = openSync(path, 'w', 0o600);
  try {
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
}

/** Writes `path` atomically with mode 0600. */
async function writePrivate(path, text) {
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, text, { mode: 0o600 });
  await chmod(tmp, 0o600);
  await rename(tmp, path);
}
