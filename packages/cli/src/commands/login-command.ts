import { callServer } from '../cli/call-server.js';
import { CliError, ExitCode } from '../cli/cli-error.js';
import type { CommandContext } from '../cli/command-context.js';
import type { CommandDefinition } from '../cli/command-definition.js';
import { parseKeyValueArgs, toStringMap } from '../cli/key-value-args.js';
import { parseGoBool } from '../cli/normalise-argv.js';
import type { VaultSecret, VaultSecretAuth } from '../client/vault-api-types.js';
import type { VaultClient } from '../client/vault-client.js';
import { wrapAtLength } from '../output/secret-rendering.js';

function stringList(value: unknown): string[] | null {
  return Array.isArray(value) ? value.map((v) => String(v)) : null;
}

/** Token "login": looks the token up and presents it as an auth block (like Vault's token handler). */
async function tokenLogin(
  ctx: CommandContext,
  client: VaultClient,
  config: Record<string, string>,
): Promise<VaultSecret> {
  let lookup = true;
  if (config.lookup !== undefined) {
    const parsed = parseGoBool(config.lookup);
    if (parsed === undefined) throw CliError.usage(`Failed to parse "lookup" as boolean: ${config.lookup}`);
    lookup = parsed;
  }
  let token = config.token;
  if (token === undefined) {
    if (ctx.nonInteractive)
      throw CliError.usage("Error authenticating: 'token' not supplied and -non-interactive is set");
    token = await ctx.io.promptHidden('Token (will be hidden): ', 'stderr');
  }
  token = token.trim();
  if (token === '')
    throw CliError.usage(
      'Error authenticating: a token must be given (as an argument, "-" for stdin, or at the prompt)',
    );
  const empty = {
    request_id: '',
    lease_id: '',
    lease_duration: 0,
    renewable: false,
    data: null,
    warnings: null,
    wrap_info: null,
  };
  if (!lookup) {
    const auth: VaultSecretAuth = {
      client_token: token,
      accessor: '',
      policies: null,
      metadata: null,
      lease_duration: 0,
      renewable: false,
    };
    return { ...empty, auth };
  }
  const asToken = client.withToken(token);
  const secret = await callServer('Error authenticating: error looking up token', () =>
    asToken.tokenLookupSelf(),
  );
  const data = secret.data ?? {};
  const policies = stringList(data.policies);
  const identityPolicies = stringList(data.identity_policies);
  const auth: VaultSecretAuth = {
    client_token: typeof data.id === 'string' && data.id !== '' ? data.id : token,
    accessor: typeof data.accessor === 'string' ? data.accessor : '',
    policies: [...(policies ?? []), ...(identityPolicies ?? [])].sort(),
    token_policies: policies,
    identity_policies: identityPolicies,
    metadata:
      typeof data.meta === 'object' && data.meta !== null ? (data.meta as Record<string, string>) : null,
    lease_duration: typeof data.ttl === 'number' ? data.ttl : Number(data.ttl ?? 0) || 0,
    renewable: data.renewable === true,
  };
  return { ...empty, auth };
}

/** Password-style logins: `auth/<path>/login/<username>` with `password` (prompted when absent). */
async function userpassLogin(
  ctx: CommandContext,
  client: VaultClient,
  mount: string,
  config: Record<string, string>,
): Promise<VaultSecret> {
  const username = config.username;
  if (username === undefined || username === '')
    throw CliError.usage('Error authenticating: "username" must be given (username=<name>)');
  let password = config.password;
  if (password === undefined) {
    if (ctx.nonInteractive)
      throw CliError.usage("Error authenticating: 'password' not supplied and -non-interactive is set");
    password = await ctx.io.promptHidden('Password (will be hidden): ', 'stderr');
  }
  const { username: _u, password: _p, mount: _m, ...rest } = config;
  const path = `auth/${mount}/login/${encodeURIComponent(username)}`;
  const secret = await callServer('Error authenticating', () => client.write(path, { ...rest, password }));
  if (!secret) throw CliError.api('Error authenticating: the server sent an empty answer');
  return secret;
}

/** Any other method: `auth/<path>/login` with the given parameters (approle: role_id, secret_id). */
async function genericLogin(
  client: VaultClient,
  mount: string,
  config: Record<string, string>,
): Promise<VaultSecret> {
  const { mount: _m, ...body } = config;
  const secret = await callServer('Error authenticating', () => client.write(`auth/${mount}/login`, body));
  if (!secret) throw CliError.api('Error authenticating: the server sent an empty answer');
  return secret;
}

/** `coffer login [TOKEN | K=V...]`: authenticates and stores the token in the token helper. */
export const loginCommand: CommandDefinition = {
  path: ['login'],
  summary: 'Authenticate and store the token locally',
  usage: '[options] [TOKEN | K=V...]',
  help:
    'Authenticates to the server. With the default token method the token is given as an argument, ' +
    '"-" for stdin, or typed at a prompt without echo; it is checked with lookup-self. ' +
    'Other methods: -method=userpass username=NAME [password=...], -method=approle role_id=... secret_id=....',
  flags: [
    {
      name: 'method',
      kind: 'string',
      placeholder: '<type>',
      description: 'Auth method type (default "token").',
    },
    {
      name: 'path',
      kind: 'string',
      placeholder: '<path>',
      description: 'Mount path of the auth method (default: the method type).',
    },
    { name: 'no-store', kind: 'bool', description: 'Do not store the token in the token helper.' },
    { name: 'no-print', kind: 'bool', description: 'Do not print the token information.' },
    {
      name: 'token-only',
      kind: 'bool',
      description: 'Print only the token, do not store it (same as -field=token -no-store).',
    },
  ],
  field: true,
  async run(ctx) {
    const tokenOnly = ctx.flags.bool('token-only');
    const noStore = ctx.flags.bool('no-store') || tokenOnly;
    const noPrint = ctx.flags.bool('no-print');
    let field = ctx.flags.string('field');
    if (tokenOnly) field = 'token';
    if (noStore && noPrint) throw CliError.usage('-no-store and -no-print cannot be used together');
    const method = (ctx.flags.string('method') ?? 'token').replace(/^\/+|\/+$/g, '') || 'token';
    const mount = (ctx.flags.string('path') ?? method).replace(/^\/+|\/+$/g, '');
    let args = [...ctx.args];
    if (method === 'token' && args.length > 0 && !(args[0] as string).includes('=')) {
      args = [`token=${args[0] as string}`, ...args.slice(1)];
    }
    const config = toStringMap(await parseKeyValueArgs(args, () => ctx.readStdin()));
    const client = await ctx.clientWithoutToken();
    let secret: VaultSecret;
    if (method === 'token') secret = await tokenLogin(ctx, client, config);
    else if (method === 'userpass' || method === 'ldap' || method === 'okta' || method === 'radius') {
      secret = await userpassLogin(ctx, client, mount, config);
    } else secret = await genericLogin(client, mount, config);
    if (!secret.auth && secret.wrap_info && secret.wrap_info.token !== '') {
      // Asked for with -wrap-ttl: show the wrapping token when not storing, else unwrap the login.
      if (noStore) {
        if (field !== undefined && field !== '') ctx.out.field(secret, field);
        else ctx.out.secret(secret);
        return;
      }
      const wrappingToken = secret.wrap_info.token;
      const unwrapped = await callServer('Error unwrapping the login response', () =>
        client.withoutWrapping().withToken(wrappingToken).unwrap(),
      );
      if (unwrapped) secret = unwrapped;
    }
    if (!secret.auth) {
      throw CliError.api('Error authenticating: the answer carries no authentication information');
    }
    if (!noStore) {
      try {
        await ctx.tokenHelper.store(secret.auth.client_token);
      } catch (err) {
        ctx.out.warn(
          `Error storing token in ${ctx.tokenHelper.path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
        );
        ctx.out.warn('Authentication succeeded but the token was not stored; it is shown below.');
        ctx.out.secret(secret);
        return ExitCode.api;
      }
      if (ctx.env.token !== undefined) {
        ctx.out.warn(
          wrapAtLength(
            'WARNING! A token is set in the environment (VAULT_TOKEN or COFFER_TOKEN); it takes precedence ' +
              'over the stored token. Unset it to use the token from this login.',
          ) + '\n',
        );
      }
    } else if (!tokenOnly) {
      ctx.out.warn(
        wrapAtLength(
          'The token was not stored. Set VAULT_TOKEN (or COFFER_TOKEN) or pass it with each request.',
        ) + '\n',
      );
    }
    if (noPrint) return;
    if (field !== undefined && field !== '') {
      ctx.out.field(secret, field);
      return;
    }
    if (ctx.out.format === 'table') {
      ctx.out.line(
        wrapAtLength(
          'Success! You are now authenticated. The token below is stored in the token helper, so later ' +
            'commands use it automatically; there is no need to log in again.',
        ) + '\n',
      );
    }
    ctx.out.secret(secret);
  },
};
