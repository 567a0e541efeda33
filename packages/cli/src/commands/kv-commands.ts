import { callServer, asCliError } from '../cli/call-server.js';
import { CliError, ExitCode } from '../cli/cli-error.js';
import type { CommandContext } from '../cli/command-context.js';
import type { CommandDefinition, CommandGroup } from '../cli/command-definition.js';
import type { FlagSpec } from '../cli/flag-spec.js';
import { goDurationString } from '../cli/go-duration.js';
import { parseKeyValueArgs } from '../cli/key-value-args.js';
import { parseGoInt } from '../cli/normalise-argv.js';
import { VaultApiError } from '../client/vault-api-error.js';
import type { VaultSecret } from '../client/vault-api-types.js';
import type { VaultClient } from '../client/vault-client.js';
import { KvTarget, sanitizePath } from '../kv/kv-path.js';
import { headerForMap, padEqualSigns } from '../output/secret-rendering.js';

export const kvGroup: CommandGroup = {
  path: ['kv'],
  summary: 'Read and write the key/value secrets engine (v1 and v2)',
};
export const kvMetadataGroup: CommandGroup = {
  path: ['kv', 'metadata'],
  summary: 'Manage KV v2 key metadata',
};

const MOUNT_FLAG: FlagSpec = {
  name: 'mount',
  kind: 'string',
  placeholder: '<path>',
  description: 'Mount of the KV engine; the argument is then the key inside it (e.g. -mount=secret foo).',
};

const VERSIONS_FLAG: FlagSpec = {
  name: 'versions',
  kind: 'string-slice',
  placeholder: '<n,...>',
  description: 'Versions to act on, comma-separated or repeated.',
};

type JsonMap = Record<string, unknown>;

function isMap(v: unknown): v is JsonMap {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

async function resolveTarget(ctx: CommandContext, client: VaultClient, arg: string): Promise<KvTarget> {
  try {
    return await KvTarget.resolve(client, arg, ctx.flags.string('mount'));
  } catch (err) {
    throw asCliError('Error checking the KV engine version (preflight)', err);
  }
}

/** A failed write: the error line, plus any envelope the server sent with it. */
function writeFailure(ctx: CommandContext, context: string, err: unknown): unknown {
  if (err instanceof VaultApiError && err.secret) ctx.out.secret(err.secret);
  return asCliError(context, err);
}

/** `== Secret Path ==` heading followed by the path. */
function printPath(ctx: CommandContext, path: string, title: string): void {
  ctx.out.line(padEqualSigns(title, path.length));
  ctx.out.line(path);
  ctx.out.line();
}

/** KV v2 write answers: path heading plus the version metadata table. */
function printWriteResult(ctx: CommandContext, path: string, secret: VaultSecret | null): void {
  if (!secret) {
    if (ctx.out.format === 'table') ctx.out.line(`Success! Data written to: ${path}`);
    return;
  }
  const field = ctx.flags.string('field');
  if (field !== undefined && field !== '') {
    ctx.out.field(secret, field);
    return;
  }
  if (secret.wrap_info && secret.wrap_info.ttl !== 0) {
    ctx.out.secret(secret);
    return;
  }
  if (ctx.out.format === 'table') {
    ctx.out.warnings(secret);
    printPath(ctx, path, 'Secret Path');
    const metadata = secret.data ?? {};
    ctx.out.line(headerForMap('Metadata', metadata));
    ctx.out.data(metadata);
    return;
  }
  ctx.out.secret(secret);
}

/** `-versions=1,2 -versions=3` → [1, 2, 3]. */
function parseVersions(ctx: CommandContext): number[] {
  return ctx.flags.list('versions').map((v) => {
    const n = parseGoInt(v.trim());
    if (n === undefined || n < 0) throw CliError.usage(`Invalid version "${v}" in -versions`);
    return n;
  });
}

const getCommand: CommandDefinition = {
  path: ['kv', 'get'],
  summary: 'Read a secret',
  usage: '[options] KEY',
  help: 'Reads the secret at KEY (e.g. secret/foo). On a KV v2 mount -version reads an older version.',
  flags: [
    {
      name: 'version',
      kind: 'int',
      placeholder: '<int>',
      description: 'Version to read (KV v2; default latest).',
    },
    MOUNT_FLAG,
  ],
  field: true,
  async run(ctx) {
    ctx.expectArgs(1);
    const client = await ctx.client();
    const target = await resolveTarget(ctx, client, ctx.args[0] as string);
    const version = ctx.flags.int('version') ?? 0;
    const path = target.v2 ? target.apiPath('data') : target.v1Path;
    const query = target.v2 && version > 0 ? { version: String(version) } : undefined;
    let secret: VaultSecret | null;
    try {
      secret = await client.read(path, query);
    } catch (err) {
      throw writeFailure(ctx, `Error reading ${path}`, err);
    }
    if (!secret) throw CliError.api(`No value found at ${path}`);
    const field = ctx.flags.string('field');
    if (field !== undefined && field !== '') {
      // A wrapped answer (-wrap-ttl) has no data: the field is one of the wrapping info.
      if (!target.v2 || secret.wrap_info) {
        ctx.out.field(secret, field);
        return;
      }
      const inner = secret.data?.data;
      if (!isMap(inner)) throw CliError.api(`No data found at ${path}`);
      if (field === 'data' && !('data' in inner)) ctx.out.field(secret, field);
      else ctx.out.field(inner, field);
      return;
    }
    if (secret.wrap_info || ctx.out.format !== 'table') {
      ctx.out.secret(secret);
      return;
    }
    ctx.out.warnings(secret);
    if (target.v2) printPath(ctx, path, 'Secret Path');
    const metadata = secret.data?.metadata;
    if (isMap(metadata)) {
      ctx.out.line(headerForMap('Metadata', metadata));
      ctx.out.data(metadata);
      ctx.out.line();
    }
    const data = target.v2 ? secret.data?.data : secret.data;
    if (isMap(data)) {
      ctx.out.line(headerForMap('Data', data));
      ctx.out.data(data);
    }
  },
};

const putCommand: CommandDefinition = {
  path: ['kv', 'put'],
  summary: 'Write a secret (replacing it)',
  usage: '[options] KEY [K=V...]',
  help: 'Writes the given data at KEY, replacing what was there (a new version on KV v2). Values: K=V, K=@file, K=- (stdin); a lone "-" reads a JSON object from stdin.',
  flags: [
    {
      name: 'cas',
      kind: 'int',
      placeholder: '<int>',
      description: 'Check-and-set: write only if the current version is this (0: only if absent). KV v2.',
    },
    MOUNT_FLAG,
  ],
  field: true,
  async run(ctx) {
    if (ctx.args.length < 1) throw CliError.usage('Not enough arguments (expected >1, got 0)');
    if (ctx.args.length === 1) throw CliError.usage('Must supply data');
    const data = await parseKeyValueArgs(ctx.args.slice(1), () => ctx.readStdin());
    const client = await ctx.client();
    const target = await resolveTarget(ctx, client, ctx.args[0] as string);
    let path: string;
    let body: unknown;
    if (target.v2) {
      path = target.apiPath('data');
      const cas = ctx.flags.int('cas');
      body = { data, options: cas !== undefined && cas >= 0 ? { cas } : {} };
    } else {
      path = target.v1Path;
      body = data;
    }
    let secret: VaultSecret | null;
    try {
      secret = await client.write(path, body);
    } catch (err) {
      throw writeFailure(ctx, `Error writing data to ${path}`, err);
    }
    printWriteResult(ctx, path, secret);
  },
};

const patchCommand: CommandDefinition = {
  path: ['kv', 'patch'],
  summary: 'Update some fields of a secret (KV v2)',
  usage: '[options] KEY [K=V...]',
  help: 'Merges the given fields into the latest version of KEY, creating a new version. Uses HTTP PATCH; falls back to read-then-write when the server refuses PATCH (405/403) unless -method=patch.',
  flags: [
    { name: 'cas', kind: 'int', placeholder: '<int>', description: 'Check-and-set version (must be > 0).' },
    {
      name: 'method',
      kind: 'string',
      placeholder: '<patch|rw>',
      description: 'Force HTTP PATCH ("patch") or read-then-write ("rw").',
    },
    {
      name: 'remove-data',
      kind: 'string-slice',
      placeholder: '<key>',
      description: 'Remove this field; repeatable.',
    },
    MOUNT_FLAG,
  ],
  field: true,
  async run(ctx) {
    const removals = ctx.flags.list('remove-data');
    if (ctx.args.length < 1) throw CliError.usage('Not enough arguments (expected >1, got 0)');
    if (ctx.args.length === 1 && removals.length === 0) throw CliError.usage('Must supply data');
    const method = ctx.flags.string('method') ?? '';
    if (method !== '' && method !== 'patch' && method !== 'rw') {
      throw CliError.usage(`Unsupported method provided to -method flag: ${method}`);
    }
    const newData: JsonMap = await parseKeyValueArgs(ctx.args.slice(1), () => ctx.readStdin());
    for (const key of removals) newData[key] = null;
    const client = await ctx.client();
    const target = await resolveTarget(ctx, client, ctx.args[0] as string);
    if (!target.v2) throw CliError.api('K/V engine mount must be version 2 for patch support');
    const path = target.apiPath('data');

    const readThenWrite = async (): Promise<VaultSecret | null> => {
      let current: VaultSecret | null;
      try {
        current = await client.read(path);
      } catch (err) {
        throw asCliError(`Error doing pre-read at ${path}`, err);
      }
      const metadata = current?.data?.metadata;
      const data = current?.data?.data;
      if (!current || !isMap(metadata) || !isMap(data)) {
        throw CliError.api(`No value found at ${path}; patch only works on existing data`);
      }
      const merged: JsonMap = { ...data };
      for (const [k, v] of Object.entries(newData)) {
        if (v === null) delete merged[k];
        else merged[k] = v;
      }
      try {
        return await client.write(path, { data: merged, options: { cas: metadata.version } });
      } catch (err) {
        throw writeFailure(ctx, `Error writing data to ${path}`, err);
      }
    };

    let secret: VaultSecret | null;
    if (method === 'rw') {
      secret = await readThenWrite();
    } else {
      const cas = ctx.flags.int('cas') ?? 0;
      try {
        secret = await client.mergePatch(path, { data: newData, options: cas > 0 ? { cas } : {} });
      } catch (err) {
        const fallback =
          method === '' && err instanceof VaultApiError && (err.status === 405 || err.status === 403);
        if (!fallback) throw writeFailure(ctx, `Error writing data to ${path}`, err);
        if (err.status === 403) {
          ctx.out.warn(
            `Data is being written to ${path} with read-then-write; add the "patch" capability to the policy to use HTTP PATCH.`,
          );
        }
        secret = await readThenWrite();
      }
    }
    printWriteResult(ctx, path, secret);
  },
};

/** Output of delete-style commands. */
function printDeleteResult(
  ctx: CommandContext,
  path: string,
  secret: VaultSecret | null,
  verb: 'deleted' | 'written',
): void {
  if (!secret) {
    if (ctx.out.format === 'table') {
      ctx.out.line(
        verb === 'deleted'
          ? `Success! Data deleted (if it existed) at: ${path}`
          : `Success! Data written to: ${path}`,
      );
    }
    return;
  }
  const field = ctx.flags.string('field');
  if (field !== undefined && field !== '') ctx.out.field(secret, field);
  else ctx.out.secret(secret);
}

const deleteCommand: CommandDefinition = {
  path: ['kv', 'delete'],
  summary: 'Delete a secret (soft delete on KV v2)',
  usage: '[options] KEY',
  help: 'Deletes the latest version of KEY (or -versions) on KV v2, where it can be undeleted; deletes KEY for good on KV v1.',
  flags: [VERSIONS_FLAG, MOUNT_FLAG],
  field: true,
  async run(ctx) {
    ctx.expectArgs(1);
    const client = await ctx.client();
    const target = await resolveTarget(ctx, client, ctx.args[0] as string);
    const versions = parseVersions(ctx);
    let path: string;
    let secret: VaultSecret | null;
    try {
      if (target.v2 && versions.length > 0) {
        path = target.apiPath('delete');
        secret = await client.write(path, { versions });
      } else {
        path = target.v2 ? target.apiPath('data') : target.v1Path;
        secret = await client.delete(path);
      }
    } catch (err) {
      throw writeFailure(ctx, `Error deleting ${target.v2 ? target.apiPath('data') : target.v1Path}`, err);
    }
    printDeleteResult(ctx, target.v2 ? target.apiPath('data') : path, secret, 'deleted');
  },
};

function versionedCommand(name: 'undelete' | 'destroy', summary: string, help: string): CommandDefinition {
  const title = name === 'undelete' ? 'Undelete' : 'Destroy';
  return {
    path: ['kv', name],
    summary,
    usage: '[options] KEY',
    help,
    flags: [VERSIONS_FLAG, MOUNT_FLAG],
    field: true,
    async run(ctx) {
      ctx.expectArgs(1);
      const versions = parseVersions(ctx);
      if (versions.length === 0) {
        throw CliError.usage(
          `No versions provided, use the "-versions" flag to specify the version to ${name}.`,
        );
      }
      const client = await ctx.client();
      const target = await resolveTarget(ctx, client, ctx.args[0] as string);
      if (!target.v2) throw CliError.usage(`${title} not supported on KV Version 1`);
      const path = target.apiPath(name);
      let secret: VaultSecret | null;
      try {
        secret = await client.write(path, { versions });
      } catch (err) {
        throw writeFailure(ctx, `Error writing data to ${path}`, err);
      }
      printDeleteResult(ctx, path, secret, 'written');
    },
  };
}

const listCommand: CommandDefinition = {
  path: ['kv', 'list'],
  summary: 'List keys under a path',
  usage: '[options] PATH',
  help: 'Lists the keys under PATH; names ending in "/" are folders.',
  flags: [MOUNT_FLAG],
  async run(ctx) {
    const mount = ctx.flags.string('mount');
    if (ctx.args.length === 0 && (mount === undefined || mount === '')) {
      throw CliError.usage('Not enough arguments (expected 1, got 0)');
    }
    if (ctx.args.length > 1) throw CliError.usage(`Too many arguments (expected 1, got ${ctx.args.length})`);
    const client = await ctx.client();
    const target = await resolveTarget(ctx, client, ctx.args[0] ?? '');
    const path = target.v2 ? target.apiPath('metadata') : target.v1Path;
    const secret = await callServer(`Error listing ${path}`, () => client.list(path));
    if (secret?.wrap_info && secret.wrap_info.ttl !== 0) {
      ctx.out.secret(secret);
      return;
    }
    const keys = secret?.data?.keys;
    if (ctx.out.format !== 'table' && (!secret || !Array.isArray(keys))) {
      ctx.out.data({});
      return ExitCode.api;
    }
    if (!secret) throw CliError.api(`No value found at ${path}`);
    if (!Array.isArray(keys)) throw CliError.api(`No entries found at ${path}`);
    ctx.out.list(secret);
  },
};

/** Resolves a metadata command's target, refusing KV v1 mounts. */
async function metadataTarget(ctx: CommandContext, client: VaultClient): Promise<string> {
  const target = await resolveTarget(ctx, client, ctx.args[0] as string);
  if (!target.v2) throw CliError.usage('Metadata not supported on KV Version 1');
  return target.apiPath('metadata');
}

const metadataGetCommand: CommandDefinition = {
  path: ['kv', 'metadata', 'get'],
  summary: 'Read the metadata and versions of a key',
  usage: '[options] KEY',
  flags: [MOUNT_FLAG],
  field: true,
  async run(ctx) {
    ctx.expectArgs(1);
    const client = await ctx.client();
    const path = await metadataTarget(ctx, client);
    const secret = await callServer(`Error reading ${path}`, () => client.read(path));
    if (!secret) throw CliError.api(`No value found at ${path}`);
    const field = ctx.flags.string('field');
    if (field !== undefined && field !== '') {
      ctx.out.field(secret, field);
      return;
    }
    if (secret.wrap_info || ctx.out.format !== 'table') {
      ctx.out.secret(secret);
      return;
    }
    const versions = secret.data?.versions;
    if (!isMap(versions)) {
      ctx.out.secret(secret);
      throw CliError.api(`No value found at ${path}`);
    }
    const { versions: _versions, ...rest } = secret.data ?? {};
    printPath(ctx, path, 'Metadata Path');
    ctx.out.line(headerForMap('Metadata', rest));
    ctx.out.secret({ ...secret, data: rest });
    const numbers = Object.keys(versions)
      .map((k) => Number.parseInt(k, 10))
      .filter((n) => Number.isFinite(n))
      .sort((a, b) => a - b);
    for (const n of numbers) {
      const info = versions[String(n)];
      const map = isMap(info) ? info : {};
      ctx.out.line(`\n${headerForMap(`Version ${n}`, map)}`);
      ctx.out.data(map);
    }
  },
};

const metadataPutCommand: CommandDefinition = {
  path: ['kv', 'metadata', 'put'],
  summary: 'Create or update the metadata of a key',
  usage: '[options] KEY',
  flags: [
    {
      name: 'max-versions',
      kind: 'int',
      placeholder: '<int>',
      description: 'Number of versions to keep (0: the mount default).',
    },
    { name: 'cas-required', kind: 'bool', description: 'Require check-and-set on every write of this key.' },
    {
      name: 'delete-version-after',
      kind: 'duration',
      placeholder: '<duration>',
      description: 'Delete versions this long after they are written (0s: never).',
    },
    {
      name: 'custom-metadata',
      kind: 'string-map',
      placeholder: '<k=v>',
      description: 'Custom metadata key=value; repeatable.',
    },
    MOUNT_FLAG,
  ],
  async run(ctx) {
    ctx.expectArgs(1);
    const f = ctx.flags;
    const client = await ctx.client();
    const path = await metadataTarget(ctx, client);
    const body: JsonMap = {};
    const maxVersions = f.int('max-versions');
    if (maxVersions !== undefined && maxVersions >= 0) body.max_versions = maxVersions;
    const after = f.duration('delete-version-after');
    if (after !== undefined && after >= 0) body.delete_version_after = goDurationString(after);
    if (f.has('cas-required')) body.cas_required = f.bool('cas-required');
    const custom = f.map('custom-metadata');
    if (Object.keys(custom).length > 0) body.custom_metadata = custom;
    let secret: VaultSecret | null;
    try {
      secret = await client.write(path, body);
    } catch (err) {
      throw writeFailure(ctx, `Error writing data to ${path}`, err);
    }
    if (!secret) {
      if (ctx.out.format === 'table') ctx.out.line(`Success! Data written to: ${path}`);
      return;
    }
    ctx.out.secret(secret);
  },
};

const metadataDeleteCommand: CommandDefinition = {
  path: ['kv', 'metadata', 'delete'],
  summary: 'Delete a key with all its versions and metadata',
  usage: '[options] KEY',
  flags: [MOUNT_FLAG],
  async run(ctx) {
    ctx.expectArgs(1);
    const client = await ctx.client();
    const path = await metadataTarget(ctx, client);
    try {
      await client.delete(path);
    } catch (err) {
      throw writeFailure(ctx, `Error deleting ${path}`, err);
    }
    ctx.out.line(`Success! Data deleted (if it existed) at: ${path}`);
  },
};

const enableVersioningCommand: CommandDefinition = {
  path: ['kv', 'enable-versioning'],
  summary: 'Upgrade a KV v1 mount to v2',
  usage: '[options] PATH',
  flags: [],
  async run(ctx) {
    ctx.expectArgs(1);
    const mount = `${sanitizePath(ctx.args[0] as string)}/`;
    const client = await ctx.client();
    await callServer('Error tuning secrets engine', () =>
      client.tuneMount(mount, { options: { version: '2' } }),
    );
    ctx.out.line(`Success! Tuned the secrets engine at: ${mount}`);
  },
};

export const kvCommands: readonly CommandDefinition[] = [
  getCommand,
  putCommand,
  patchCommand,
  deleteCommand,
  versionedCommand(
    'undelete',
    'Restore soft-deleted versions (KV v2)',
    'Restores the given soft-deleted -versions of KEY.',
  ),
  versionedCommand(
    'destroy',
    'Permanently destroy versions (KV v2)',
    'Permanently removes the data of the given -versions of KEY; metadata remains.',
  ),
  listCommand,
  metadataGetCommand,
  metadataPutCommand,
  metadataDeleteCommand,
  enableVersioningCommand,
];
