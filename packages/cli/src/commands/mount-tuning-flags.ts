import type { CommandContext } from '../cli/command-context.js';
import type { FlagSpec } from '../cli/flag-spec.js';
import { goDurationString } from '../cli/go-duration.js';
import type { MountConfigInput, MountInput } from '../client/vault-api-types.js';
import { sanitizePath } from '../kv/kv-path.js';

/** `path/` with exactly one trailing slash. */
export function mountPathOf(raw: string): string {
  const clean = sanitizePath(raw);
  return clean === '' ? '' : `${clean}/`;
}

/** Flags shared by `secrets enable|tune` and `auth enable|tune` (mount config). */
export const MOUNT_TUNING_FLAGS: readonly FlagSpec[] = [
  {
    name: 'description',
    kind: 'string',
    placeholder: '<text>',
    description: 'Human-friendly description of the mount.',
  },
  {
    name: 'default-lease-ttl',
    kind: 'duration',
    placeholder: '<duration>',
    description: 'Default lease TTL of the mount.',
  },
  {
    name: 'max-lease-ttl',
    kind: 'duration',
    placeholder: '<duration>',
    description: 'Maximum lease TTL of the mount.',
  },
  {
    name: 'audit-non-hmac-request-keys',
    kind: 'string-slice',
    placeholder: '<key>',
    description: 'Request keys not HMACed in audit logs; repeatable.',
  },
  {
    name: 'audit-non-hmac-response-keys',
    kind: 'string-slice',
    placeholder: '<key>',
    description: 'Response keys not HMACed in audit logs; repeatable.',
  },
  {
    name: 'listing-visibility',
    kind: 'string',
    placeholder: '<unauth|hidden>',
    description: 'Whether the UI lists the mount for unauthenticated users.',
  },
  {
    name: 'passthrough-request-headers',
    kind: 'string-slice',
    placeholder: '<header>',
    description: 'Request headers passed to the engine; repeatable.',
  },
  {
    name: 'allowed-response-headers',
    kind: 'string-slice',
    placeholder: '<header>',
    description: 'Response headers the engine may set; repeatable.',
  },
  {
    name: 'options',
    kind: 'string-map',
    placeholder: '<k=v>',
    description: 'Engine option key=value; repeatable.',
  },
  {
    name: 'version',
    kind: 'int',
    placeholder: '<int>',
    description: 'Engine version; for kv, 2 enables versioning (same as -options=version=2).',
  },
  { name: 'plugin-version', kind: 'string', placeholder: '<version>', description: 'Plugin version to run.' },
];

/** Options from `-options` plus `-version`, or undefined when neither was given. */
export function mountOptionsOf(ctx: CommandContext): Record<string, string> | undefined {
  const options: Record<string, string> = { ...ctx.flags.map('options') };
  const version = ctx.flags.int('version');
  if (version !== undefined && version > 0) options.version = String(version);
  return Object.keys(options).length > 0 ? options : undefined;
}

/** The optional list-valued config fields, sent only when their flag was given. */
export function mountListConfigOf(ctx: CommandContext): MountConfigInput {
  const f = ctx.flags;
  return {
    ...(f.has('audit-non-hmac-request-keys')
      ? { audit_non_hmac_request_keys: f.list('audit-non-hmac-request-keys') }
      : {}),
    ...(f.has('audit-non-hmac-response-keys')
      ? { audit_non_hmac_response_keys: f.list('audit-non-hmac-response-keys') }
      : {}),
    ...(f.has('listing-visibility') ? { listing_visibility: f.string('listing-visibility') ?? '' } : {}),
    ...(f.has('passthrough-request-headers')
      ? { passthrough_request_headers: f.list('passthrough-request-headers') }
      : {}),
    ...(f.has('allowed-response-headers')
      ? { allowed_response_headers: f.list('allowed-response-headers') }
      : {}),
    ...(f.has('plugin-version') ? { plugin_version: f.string('plugin-version') ?? '' } : {}),
  };
}

/**
 * The body of `secrets enable` / `auth enable`: the TYPE argument (or -plugin-name), lease TTL
 * flags as Go durations, list config, options and the boolean mount flags; `extraConfig` and
 * `description` are what the two commands send differently.
 */
export function mountInputOf(
  ctx: CommandContext,
  extraConfig: MountConfigInput,
  description: { readonly description?: string },
): { readonly path: string; readonly type: string; readonly input: MountInput } {
  const f = ctx.flags;
  let type = (ctx.args[0] as string).trim();
  if (type === 'plugin') type = f.string('plugin-name') ?? '';
  const ttl = (name: string): string | undefined => {
    const secs = f.duration(name);
    return secs !== undefined && secs !== 0 ? goDurationString(secs) : undefined;
  };
  const defaultTtl = ttl('default-lease-ttl');
  const maxTtl = ttl('max-lease-ttl');
  const options = mountOptionsOf(ctx);
  const input: MountInput = {
    type,
    ...description,
    config: {
      ...(defaultTtl ? { default_lease_ttl: defaultTtl } : {}),
      ...(maxTtl ? { max_lease_ttl: maxTtl } : {}),
      ...extraConfig,
      ...mountListConfigOf(ctx),
    },
    ...(options ? { options } : {}),
    ...(f.bool('local') ? { local: true } : {}),
    ...(f.bool('seal-wrap') ? { seal_wrap: true } : {}),
    ...(f.bool('external-entropy-access') ? { external_entropy_access: true } : {}),
  };
  return { path: mountPathOf(f.string('path') || type), type, input };
}
