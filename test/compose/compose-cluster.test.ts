/**
 * The container image and the three-node docker-compose cluster, end to end, against a real
 * Docker engine. Run by `npm run test:compose` (not part of `npm test`); see README.md here.
 *
 * It makes its own environment: installs Debian's docker.io and docker-compose when missing,
 * starts dockerd when nothing answers, builds local base images (no registry is reachable
 * here), builds deploy/Dockerfile, and runs docker-compose.yml as a uniquely named project on
 * its own network and loopback ports. Whatever it creates it removes in `after`, also when a
 * step failed; when the run is interrupted or killed, a detached reaper process does it
 * (harness/reaper-main.ts).
 *
 * The cluster steps run in order and depend on each other: after one fails, the rest are
 * skipped (with the reason) rather than failing for the same cause.
 */
import assert from 'node:assert/strict';
import {
  copyFileSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  CommandError,
  fetchWithTimeout,
  run,
  runOk,
  waitFor,
  type CommandResult,
} from './harness/command.js';
import { buildCofferImage, freeLoopbackPort, imageSizeBytes } from './harness/coffer-image.js';
import { ComposeProject, SERVICES, type ApiAnswer, type Service } from './harness/compose-project.js';
import { ensureDockerEngine, type DockerEngine } from './harness/docker-engine.js';
import { buildLocalBaseImages, SUITE_LABEL } from './harness/local-base-image.js';
import { ProgressLog } from './harness/progress-log.js';
import { startReaper, type Reaper } from './harness/reaper.js';
import { removeRunResources, type RunResources } from './harness/run-resources.js';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const log = new ProgressLog();
const runId = `${Date.now().toString(36)}${process.pid.toString(36)}`;
/** COFFER_COMPOSE_KEEP_IMAGES=1: keep (and reuse) the base and Coffer images between runs. */
const keepImages = process.env['COFFER_COMPOSE_KEEP_IMAGES'] === '1';
/**
 * COFFER_COMPOSE_NODE_IMAGE=node:22-bookworm-slim (say): build on that image, online, instead
 * of the locally imported base: what a user with a registry gets.
 */
const givenNodeImage = process.env['COFFER_COMPOSE_NODE_IMAGE'];
/** COFFER_COMPOSE_KEEP_DOCKERD=1: leave a dockerd this run started running. */
const keepDockerd = process.env['COFFER_COMPOSE_KEEP_DOCKERD'] === '1';

const projectName = `coffertest${runId}`;
const state: {
  engine?: DockerEngine;
  reaper?: Reaper;
  image?: string;
  project?: ComposeProject;
  tmp: string;
  keysFile?: string;
  rootToken?: string;
  cleanedUp: boolean;
} = { tmp: mkdtempSync(join(tmpdir(), 'coffer-compose-')), cleanedUp: false };

// ---- environment -----------------------------------------------------------------------------

function resources(): RunResources {
  return {
    runId,
    projectName,
    tmpDir: state.tmp,
    imageTags: state.image === undefined || keepImages ? [] : [state.image],
    removeImages: !keepImages,
    ...(state.engine?.daemonPid === undefined || keepDockerd ? {} : { dockerdPid: state.engine.daemonPid }),
  };
}

async function cleanup(): Promise<void> {
  if (state.cleanedUp) return;
  state.cleanedUp = true;
  const problems: string[] = [];
  if (state.project !== undefined) {
    const project = state.project;
    await log.time('compose down -v', async () => problems.push(...(await project.down())));
  }
  if (state.engine !== undefined) {
    problems.push(...(await removeRunResources(resources(), (m) => log.say(`cleanup: ${m}`))));
  } else {
    rmSync(state.tmp, { recursive: true, force: true });
  }
  state.reaper?.disarm();
  for (const p of problems) log.say(`cleanup problem: ${p}`);
  process.stderr.write(`${log.summary()}\n`);
}

// Interrupted: leave at once; the reaper (a detached process) sees this process gone and cleans
// up. Cleaning up here instead would race the test runner, which may kill this process (or close
// its output) while it still works.
process.stderr.on('error', () => undefined);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    log.say(`${signal}: exiting; the reaper cleans up (log: ${state.reaper?.logFile ?? 'no reaper yet'})`);
    process.exit(130);
  });
}

before(async () => {
  state.engine = await log.time('docker engine ready', () => ensureDockerEngine(log));
  state.reaper = startReaper(repoRoot, { ...resources(), parentPid: process.pid });
  let nodeImage: string;
  let buildImage: string | undefined;
  if (givenNodeImage !== undefined) {
    nodeImage = givenNodeImage;
  } else {
    const suffix = keepImages ? process.versions.node : `${process.versions.node}-${runId}`;
    const tags = {
      runtime: `coffer-compose-test/node:${suffix}-runtime`,
      build: `coffer-compose-test/node:${suffix}-build`,
    };
    const present =
      keepImages && (await run('docker', ['image', 'inspect', tags.runtime, tags.build])).code === 0;
    if (!present)
      await log.time('base images (docker import of local node)', () =>
        buildLocalBaseImages(repoRoot, tags, keepImages ? 'kept' : runId),
      );
    nodeImage = tags.runtime;
    buildImage = tags.build;
  }
  const image = keepImages ? 'coffer-compose-test/coffer:latest' : `coffer-compose-test/coffer:${runId}`;
  state.image = image;
  state.reaper.update(resources());
  await log.time('coffer image build', () =>
    buildCofferImage(repoRoot, {
      nodeImage,
      ...(buildImage === undefined ? {} : { buildImage }),
      offline: givenNodeImage === undefined,
      tag: image,
      labels: { [SUITE_LABEL]: keepImages ? 'kept' : runId },
    }),
  );
  log.fact(
    'coffer image size',
    `${((await imageSizeBytes(image)) / 1e6).toFixed(1)} MB (${image}, base ${nodeImage})`,
  );
});

after(cleanup);

// ---- helpers ---------------------------------------------------------------------------------

function project(): ComposeProject {
  if (state.project === undefined) throw new Error('the compose project is not up');
  return state.project;
}

function token(): string {
  if (state.rootToken === undefined) throw new Error('no root token (init did not run)');
  return state.rootToken;
}

let broken: string | undefined;

/** One step of the cluster scenario: skipped once an earlier step failed; dumps the nodes' logs when it fails. */
function step(name: string, fn: (t: TestContext) => Promise<void>, timeoutMs = 300_000): void {
  void it(name, { timeout: timeoutMs }, async (t) => {
    if (broken !== undefined) {
      t.skip(`earlier step failed: ${broken}`);
      return;
    }
    log.say(`step: ${name}`);
    try {
      await fn(t);
    } catch (err) {
      broken = name;
      if (state.project !== undefined) {
        for (const s of SERVICES) {
          const logs = await state.project.logs(s).catch(() => '');
          process.stderr.write(`---- ${s} (last log lines) ----\n${logs}\n`);
        }
      }
      throw err;
    }
  });
}

interface LeaderView {
  readonly service: Service;
  readonly isSelf: boolean;
  readonly leader: Service | undefined;
  readonly committed: number;
  readonly applied: number;
}

function serviceOfAddress(address: unknown): Service | undefined {
  if (typeof address !== 'string' || address === '') return undefined;
  try {
    const host = new URL(address).hostname;
    return SERVICES.find((s) => s === host);
  } catch {
    return undefined;
  }
}

async function leaderView(service: Service, inside = false): Promise<LeaderView> {
  const p = project();
  const a = inside
    ? await p.apiInside(service, 'GET', 'sys/leader', { timeoutMs: 3_000 })
    : await p.api(service, 'GET', 'sys/leader', { timeoutMs: 3_000 });
  if (a.status !== 200)
    throw new Error(`sys/leader on ${service}: HTTP ${a.status} ${JSON.stringify(a.body)}`);
  return {
    service,
    isSelf: a.body['is_self'] === true,
    leader: serviceOfAddress(a.body['leader_address']),
    committed: Number(a.body['raft_committed_index'] ?? 0),
    applied: Number(a.body['raft_applied_index'] ?? 0),
  };
}

/** Waits until one of `among` says it is active and the others (that answer) agree. */
async function waitForActive(among: readonly Service[], what: string, timeoutMs = 60_000): Promise<Service> {
  return waitFor(what, timeoutMs, async () => {
    const views = await Promise.all(among.map((s) => leaderView(s).catch(() => undefined)));
    const active = views.find((v) => v?.isSelf === true);
    if (active === undefined) return undefined;
    const agree = views.every((v) => v === undefined || v.leader === active.service);
    return agree ? active.service : undefined;
  });
}

async function kvWrite(
  via: Service,
  key: string,
  value: Record<string, unknown>,
  inside = false,
  timeoutMs = 10_000,
): Promise<ApiAnswer> {
  const p = project();
  const opts = { token: token(), body: { data: value }, timeoutMs };
  return inside
    ? p.apiInside(via, 'POST', `secret/data/${key}`, opts)
    : p.api(via, 'POST', `secret/data/${key}`, opts);
}

async function kvRead(via: Service, key: string, inside = false): Promise<ApiAnswer> {
  const p = project();
  const opts = { token: token(), timeoutMs: 10_000 };
  return inside
    ? p.apiInside(via, 'GET', `secret/data/${key}`, opts)
    : p.api(via, 'GET', `secret/data/${key}`, opts);
}

function dataOf(a: ApiAnswer): Record<string, unknown> | undefined {
  const outer = a.body['data'];
  if (typeof outer !== 'object' || outer === null) return undefined;
  const inner = (outer as Record<string, unknown>)['data'];
  return typeof inner === 'object' && inner !== null ? (inner as Record<string, unknown>) : undefined;
}

async function assertReadable(
  via: Service,
  key: string,
  expected: Record<string, unknown>,
  inside = false,
): Promise<void> {
  const a = await kvRead(via, key, inside);
  assert.equal(a.status, 200, `read ${key} via ${via}: HTTP ${a.status} ${JSON.stringify(a.body)}`);
  assert.deepEqual(dataOf(a), expected, `read ${key} via ${via}`);
}

/** A write through `via` until one is acknowledged (the cluster may still be electing). */
async function writeEventually(
  via: readonly Service[],
  key: string,
  value: Record<string, unknown>,
  timeoutMs = 30_000,
): Promise<Service> {
  let i = 0;
  return waitFor(`a write of ${key} to be acknowledged`, timeoutMs, async () => {
    const s = via[i++ % via.length] as Service;
    const a = await kvWrite(s, key, value, false, 5_000);
    if (a.status === 200 || a.status === 204) return s;
    throw new Error(`via ${s}: HTTP ${a.status} ${JSON.stringify(a.body)}`);
  });
}

/** Runs deploy/scripts/init-cluster.sh against the project (it is idempotent: it unseals what is sealed). */
function runInitClusterScript(keysFile: string): Promise<CommandResult> {
  const p = project();
  return run('sh', [join(repoRoot, 'deploy/scripts/init-cluster.sh'), '-n', '5', '-t', '3', keysFile], {
    cwd: state.tmp,
    env: { ...p.env(), COMPOSE: p.composeCommandLine(), WAIT_SECONDS: '120' },
    timeoutMs: 600_000,
    display: `init-cluster.sh ${keysFile}`,
  });
}

async function initClusterScript(keysFile: string): Promise<CommandResult> {
  const r = await runInitClusterScript(keysFile);
  if (r.code !== 0 || r.timedOut) throw new CommandError(`init-cluster.sh ${keysFile}`, r);
  return r;
}

/** Waits until every node is unsealed, follows `active`, and has applied at least `index`. */
async function waitConverged(
  active: Service,
  index: number,
  what: string,
  inside: readonly Service[] = [],
  timeoutMs = 90_000,
): Promise<void> {
  await waitFor(what, timeoutMs, async () => {
    for (const s of SERVICES) {
      const v = await leaderView(s, inside.includes(s));
      if (v.leader !== active) throw new Error(`${s} follows ${v.leader ?? 'nobody'}, not ${active}`);
      if (v.applied < index) throw new Error(`${s} applied ${v.applied} < ${index}`);
    }
    return true;
  });
}

async function committedIndex(active: Service): Promise<number> {
  return (await leaderView(active)).committed;
}

// ---- the image on its own ------------------------------------------------------------------

void describe('coffer image', () => {
  void it(
    'runs as uid 1000; a dev server answers sys/health from the host; the HEALTHCHECK turns healthy',
    { timeout: 180_000 },
    async () => {
      const image = state.image;
      assert.ok(image !== undefined, 'image not built');
      const network = `coffersmoke${runId}`;
      await runOk('docker', ['network', 'create', '--label', `${SUITE_LABEL}=${runId}`, network]);
      const port = await freeLoopbackPort();
      const started = Date.now();
      const { stdout } = await runOk('docker', [
        'run',
        '--detach',
        '--network',
        network,
        '--publish',
        `127.0.0.1:${port}:8200`,
        '--health-interval',
        '1s',
        '--health-start-period',
        '1s',
        '--label',
        `${SUITE_LABEL}=${runId}`,
        image,
        '-dev',
        '-dev-listen-address=0.0.0.0:8200',
      ]);
      const id = stdout.trim();
      const health = await waitFor('the dev server to answer on the published port', 60_000, async () => {
        const res = await fetchWithTimeout(`http://127.0.0.1:${port}/v1/sys/health`, {}, 2_000);
        return res.status === 200 ? ((await res.json()) as Record<string, unknown>) : undefined;
      });
      log.record('image: dev server answering', Date.now() - started);
      assert.equal(health['initialized'], true);
      assert.equal(health['sealed'], false);
      const uid = await runOk('docker', [
        'exec',
        id,
        'node',
        '-e',
        'process.stdout.write(String(process.getuid()))',
      ]);
      assert.equal(uid.stdout, '1000', 'the server must not run as root');
      const status = await waitFor('the container health check to report healthy', 60_000, async () => {
        const r = await runOk('docker', ['inspect', '--format', '{{.State.Health.Status}}', id]);
        return r.stdout.trim() === 'healthy' ? 'healthy' : undefined;
      });
      assert.equal(status, 'healthy');
      const cli = await runOk('docker', ['exec', id, 'coffer', 'status']);
      assert.match(cli.stdout, /Sealed\s+false/);
      await runOk('docker', ['rm', '-f', '-v', id]);
      await runOk('docker', ['network', 'rm', network]);
    },
  );
});

// ---- the three-node cluster -----------------------------------------------------------------

void describe('three-node compose cluster', () => {
  let clusterStart = 0;

  step('compose up: three nodes answer, uninitialised and sealed', async () => {
    assert.ok(state.engine !== undefined && state.image !== undefined);
    const ports = {} as Record<Service, { api: number; cluster: number }>;
    for (const s of SERVICES) ports[s] = { api: await freeLoopbackPort(), cluster: await freeLoopbackPort() };
    state.project = new ComposeProject({
      repoRoot,
      compose: state.engine.compose,
      projectName,
      image: state.image,
      ports,
    });
    const p = state.project;
    clusterStart = Date.now();
    await log.time('compose up -d', () => p.up());
    for (const s of SERVICES) {
      const a = await waitFor(`${s} to answer`, 60_000, () =>
        p.api(s, 'GET', 'sys/seal-status', { timeoutMs: 2_000 }),
      );
      assert.equal(a.status, 200);
      assert.equal(a.body['initialized'], false, `${s} starts uninitialised`);
      assert.equal(a.body['sealed'], true);
      assert.equal(a.body['storage_type'], 'raft');
    }
    log.record('cluster: containers answering', Date.now() - clusterStart);
  });

  step('init-cluster.sh initialises coffer-1 and unseals all three; keys file is 0600', async () => {
    // An existing file may hold another cluster's keys: the script must not touch it.
    const occupied = join(state.tmp, 'someone-elses-keys.txt');
    writeFileSync(occupied, 'Unseal Key 1: not-ours\n');
    const refused = await runInitClusterScript(occupied);
    assert.notEqual(refused.code, 0, 'init-cluster.sh must refuse to overwrite an existing keys file');
    assert.match(refused.stderr, /refusing to overwrite/);
    assert.equal(readFileSync(occupied, 'utf8'), 'Unseal Key 1: not-ours\n');
    const untouched = await project().api('coffer-1', 'GET', 'sys/seal-status');
    assert.equal(untouched.body['initialized'], false, 'a refused run initialises nothing');

    const keysFile = join(state.tmp, 'coffer-keys.txt');
    state.keysFile = keysFile;
    const r = await log.time('init-cluster.sh (fresh cluster)', () => initClusterScript(keysFile));
    assert.match(r.stderr, /WARNING: .* holds ALL the unseal keys/);
    assert.equal(statSync(keysFile).mode & 0o777, 0o600, 'the keys file must be readable by its owner only');
    const text = readFileSync(keysFile, 'utf8');
    assert.equal((text.match(/^Unseal Key \d+: /gm) ?? []).length, 5);
    const rootToken = /^Initial Root Token: (\S+)$/m.exec(text)?.[1];
    assert.ok(rootToken !== undefined, 'no root token in the keys file');
    state.rootToken = rootToken;
    assert.ok(
      !r.stdout.includes(rootToken) && !r.stderr.includes(rootToken),
      'the root token must not be printed',
    );

    const active = await waitForActive(SERVICES, 'one active node, the others following it');
    assert.equal(active, 'coffer-1', 'the initialised node is the first active node');
    for (const s of SERVICES) {
      const a = await project().api(s, 'GET', 'sys/health');
      assert.equal(a.body['sealed'], false, `${s} unsealed`);
      assert.equal(a.status, s === active ? 200 : 429, `${s}: 200 when active, 429 when standby`);
    }
    log.record('cluster ready (up → three unsealed)', Date.now() - clusterStart);
  });

  step(
    'operator raft list-peers (host CLI through a standby) shows three voters and one leader',
    async () => {
      const p = project();
      const cli = await runOk(
        process.execPath,
        [
          '--conditions=source',
          '--import',
          'tsx',
          join(repoRoot, 'packages/cli/src/main.ts'),
          'operator',
          'raft',
          'list-peers',
          '-format=json',
        ],
        {
          cwd: repoRoot,
          env: { COFFER_ADDR: p.apiUrl('coffer-2'), COFFER_TOKEN: token() },
        },
      );
      const servers = (
        JSON.parse(cli.stdout) as {
          data: {
            config: { servers: { node_id: string; address: string; leader: boolean; voter: boolean }[] };
          };
        }
      ).data.config.servers;
      assert.deepEqual(servers.map((s) => s.node_id).sort(), ['node1', 'node2', 'node3']);
      assert.ok(
        servers.every((s) => s.voter),
        'all three are voters',
      );
      assert.equal(servers.filter((s) => s.leader).length, 1, 'exactly one leader');
      assert.deepEqual(servers.map((s) => s.address).sort(), [
        'coffer-1:8201',
        'coffer-2:8201',
        'coffer-3:8201',
      ]);
    },
  );

  step('writes and reads go through every node (standbys forward to the active node)', async () => {
    const mount = await project().api('coffer-2', 'POST', 'sys/mounts/secret', {
      token: token(),
      body: { type: 'kv', options: { version: '2' } },
    });
    assert.ok(
      mount.status === 204 || mount.status === 200,
      `enable kv-v2 through a standby: HTTP ${mount.status} ${JSON.stringify(mount.body)}`,
    );
    for (const s of SERVICES) {
      const a = await kvWrite(s, `via-${s}`, { written_through: s });
      assert.equal(a.status, 200, `write via ${s}: HTTP ${a.status} ${JSON.stringify(a.body)}`);
    }
    for (const reader of SERVICES)
      for (const writer of SERVICES)
        await assertReadable(reader, `via-${writer}`, { written_through: writer });
  });

  step(
    'docker kill the active node: another becomes active, writes continue; it restarts, is unsealed and catches up',
    async () => {
      const p = project();
      const victim = await waitForActive(SERVICES, 'the active node');
      const survivors = SERVICES.filter((s) => s !== victim);
      const killedAt = Date.now();
      await p.kill(victim);
      const next = await waitForActive(survivors, 'a survivor to become active');
      assert.notEqual(next, victim);
      log.record('failover after kill: new active node', Date.now() - killedAt);
      await writeEventually(survivors, 'after-kill-0', { n: 0 });
      log.record('failover after kill: first acknowledged write', Date.now() - killedAt);
      for (let i = 1; i < 10; i += 1) {
        const a = await kvWrite(survivors[i % 2] as Service, `after-kill-${i}`, { n: i });
        assert.equal(a.status, 200, `write ${i} during the outage: HTTP ${a.status}`);
      }
      const target = await committedIndex(next);

      const restartAt = Date.now();
      // restart: unless-stopped does not bring back a container stopped by `docker kill`.
      const restartedByDocker = await p.isRunning(victim);
      log.fact('kill: container restarted by docker itself', String(restartedByDocker));
      if (!restartedByDocker) await p.start(victim);
      await waitFor(`${victim} to answer again`, 60_000, () =>
        p.api(victim, 'GET', 'sys/seal-status', { timeoutMs: 2_000 }),
      );
      const sealed = await p.api(victim, 'GET', 'sys/seal-status');
      assert.equal(sealed.body['sealed'], true, 'a restarted node comes back sealed');
      // The operator's path: run the init script again; it initialises nothing, unseals what is sealed.
      const r = await log.time('init-cluster.sh (again, unseals the restarted node)', () =>
        initClusterScript(state.keysFile as string),
      );
      assert.match(r.stderr, /initialised already/);
      await waitConverged(next, target, `${victim} to catch up to index ${target}`);
      log.record('restarted node unsealed and caught up', Date.now() - restartAt);
      for (let i = 0; i < 10; i += 1) await assertReadable(victim, `after-kill-${i}`, { n: i });
    },
  );

  step(
    'docker network disconnect the active node: the minority refuses writes, the majority elects; reconnect converges',
    async () => {
      const p = project();
      const isolated = await waitForActive(SERVICES, 'the active node');
      const majority = SERVICES.filter((s) => s !== isolated);
      const cutAt = Date.now();
      await p.disconnect(isolated);

      // Minority: a write to the cut-off (still self-declared active, or stepped down) node must not succeed.
      const minorityWrite = kvWrite(isolated, 'minority-write', { side: 'minority' }, true, 15_000).then(
        (a) => a,
        (err: unknown) => err,
      );
      const next = await waitForActive(majority, 'the majority to elect a new active node');
      assert.notEqual(next, isolated);
      log.record('partition: majority elected a new active node', Date.now() - cutAt);
      await writeEventually(majority, 'majority-write', { side: 'majority' });
      log.record('partition: first write acknowledged by the majority', Date.now() - cutAt);

      const outcome = await minorityWrite;
      log.fact(
        'partition: write to the cut-off node',
        outcome instanceof Error
          ? `refused: ${outcome.message.split('\n')[0] ?? ''}`
          : `refused: HTTP ${(outcome as ApiAnswer).status} ${JSON.stringify((outcome as ApiAnswer).body)}`,
      );
      if (!(outcome instanceof Error)) {
        const a = outcome as ApiAnswer;
        assert.ok(
          a.status !== 200 && a.status !== 204,
          `the minority acknowledged a write: HTTP ${a.status} ${JSON.stringify(a.body)}`,
        );
      }
      // Check-quorum: the cut-off node stops calling itself active, and refuses writes after that too.
      await waitFor(`${isolated} to step down`, 60_000, async () =>
        (await leaderView(isolated, true)).isSelf ? undefined : true,
      );
      log.record('partition: the minority node stepped down', Date.now() - cutAt);
      const refused = await kvWrite(isolated, 'minority-write-2', { side: 'minority' }, true, 10_000).catch(
        (err: unknown) => err,
      );
      if (!(refused instanceof Error)) {
        const a = refused as ApiAnswer;
        assert.ok(a.status >= 400, `the stepped-down minority node acknowledged a write: HTTP ${a.status}`);
      }

      const target = await committedIndex(next);
      const healAt = Date.now();
      await p.connect(isolated);
      await waitConverged(next, target, 'all three to converge after the partition heals', [isolated]);
      log.record('partition healed: all converged', Date.now() - healAt);
      for (const s of SERVICES) {
        await assertReadable(s, 'majority-write', { side: 'majority' }, s === isolated);
        for (const key of ['minority-write', 'minority-write-2']) {
          const a = await kvRead(s, key, s === isolated);
          assert.equal(a.status, 404, `${key} must not exist anywhere (via ${s}: HTTP ${a.status})`);
        }
      }
      // The host's published port of the reconnected node works again.
      await waitFor(`${isolated}'s published port to answer again`, 30_000, () =>
        p.api(isolated, 'GET', 'sys/health', { timeoutMs: 2_000 }),
      );
    },
  );

  step(
    'docker pause the active node: the others elect and take writes; unpause → it follows and catches up',
    async () => {
      const p = project();
      const frozen = await waitForActive(SERVICES, 'the active node');
      const others = SERVICES.filter((s) => s !== frozen);
      const pausedAt = Date.now();
      await p.pause(frozen);
      try {
        const next = await waitForActive(others, 'the others to elect a new active node');
        log.record('pause: new active node', Date.now() - pausedAt);
        await writeEventually(others, 'during-pause', { paused: frozen });
        const target = await committedIndex(next);
        await p.unpause(frozen);
        await waitConverged(next, target, `${frozen} to follow ${next} and catch up after unpause`);
        log.record('pause: unpaused node caught up', Date.now() - pausedAt);
        await assertReadable(frozen, 'during-pause', { paused: frozen });
      } finally {
        await p.unpause(frozen).catch(() => undefined);
      }
    },
  );

  step('snapshot save and restore against the compose cluster (coffer CLI on the host)', async () => {
    const p = project();
    const active = await waitForActive(SERVICES, 'the active node');
    const file = join(state.tmp, 'cluster.snap');
    const cli = (args: string[]): Promise<CommandResult> =>
      runOk(
        process.execPath,
        ['--conditions=source', '--import', 'tsx', join(repoRoot, 'packages/cli/src/main.ts'), ...args],
        {
          cwd: repoRoot,
          // Snapshots are never forwarded (a standby redirects to the active node's api_addr, a
          // compose service name the host cannot resolve): talk to the active node's own port.
          env: { COFFER_ADDR: p.apiUrl(active), COFFER_TOKEN: token() },
          timeoutMs: 120_000,
        },
      );
    await kvWrite(active, 'before-snapshot', { v: 1 });
    await log.time('snapshot save', () => cli(['operator', 'raft', 'snapshot', 'save', file]));
    assert.ok(statSync(file).size > 0);
    await kvWrite(active, 'before-snapshot', { v: 2 });
    await kvWrite(active, 'after-snapshot', { v: 1 });
    await log.time('snapshot restore', () => cli(['operator', 'raft', 'snapshot', 'restore', file]));
    const now = await waitForActive(SERVICES, 'an active node after the restore');
    await waitConverged(now, await committedIndex(now), 'all three to converge after the restore');
    for (const s of SERVICES) {
      await waitFor(`the restored data on ${s}`, 30_000, async () => {
        const a = await kvRead(s, 'before-snapshot');
        return a.status === 200 && dataOf(a)?.['v'] === 1 ? true : undefined;
      });
      assert.equal((await kvRead(s, 'after-snapshot')).status, 404, `after-snapshot is gone on ${s}`);
    }
  });

  step('deploy/scripts/snapshot-save.sh and snapshot-restore.sh against the compose cluster', async () => {
    const p = project();
    const active = await waitForActive(SERVICES, 'the active node');
    const dir = join(state.tmp, 'snapshots');
    const script = (name: string, args: string[]): Promise<CommandResult> =>
      runOk('sh', [join(repoRoot, 'deploy/scripts', name), ...args], {
        cwd: repoRoot,
        env: {
          // The operator's view: the host's CLI, pointed at a published port (the active node's:
          // snapshots are not forwarded, and a standby's redirect names a compose host).
          COFFER_ADDR: p.apiUrl(active),
          COFFER_TOKEN: token(),
          COFFER_BIN: `${process.execPath} --conditions=source --import tsx ${join(repoRoot, 'packages/cli/src/main.ts')}`,
        },
        timeoutMs: 180_000,
      });
    const snaps = (): string[] =>
      readdirSync(dir)
        .filter((f) => /^coffer-.*\.snap$/.test(f))
        .sort();

    await kvWrite(active, 'script-snapshot', { v: 1 });
    await log.time('snapshot-save.sh', () => script('snapshot-save.sh', ['-k', '2', dir]));
    const saved = snaps();
    assert.equal(saved.length, 1, `one snapshot saved: ${saved.join(', ')}`);
    const first = join(state.tmp, 'first.snap');
    copyFileSync(join(dir, saved[0] as string), first);

    await kvWrite(active, 'script-snapshot', { v: 2 });
    await kvWrite(active, 'after-script-snapshot', { v: 1 });
    // Retention: two more saves with -k 2 keep the newest two; the first one goes.
    await script('snapshot-save.sh', ['-k', '2', dir]);
    await script('snapshot-save.sh', ['-k', '2', dir]);
    const kept = snaps();
    assert.equal(kept.length, 2, `-k 2 keeps two: ${kept.join(', ')}`);
    assert.ok(!kept.includes(saved[0] as string), 'the oldest snapshot was pruned');

    await log.time('snapshot-restore.sh', () => script('snapshot-restore.sh', ['-y', first]));
    const now = await waitForActive(SERVICES, 'an active node after the restore');
    await waitConverged(now, await committedIndex(now), 'all three to converge after the scripted restore');
    for (const s of SERVICES) {
      await assertReadable(s, 'script-snapshot', { v: 1 });
      assert.equal(
        (await kvRead(s, 'after-script-snapshot')).status,
        404,
        `after-script-snapshot is gone on ${s}`,
      );
    }
    // A restore refuses to run unattended without -y.
    const refused = await run('sh', [join(repoRoot, 'deploy/scripts/snapshot-restore.sh'), first], {
      cwd: repoRoot,
      env: { COFFER_ADDR: p.apiUrl(active), COFFER_TOKEN: token() },
    });
    assert.notEqual(refused.code, 0, 'restore without -y and without a terminal must refuse');
  });

  step('all three nodes still agree at the end', async () => {
    const active = await waitForActive(SERVICES, 'the active node');
    await waitConverged(active, await committedIndex(active), 'final convergence');
  });
});
