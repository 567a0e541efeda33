import { callServer } from '../cli/call-server.js';
import { CliError, ExitCode } from '../cli/cli-error.js';
import type { CommandDefinition, CommandGroup } from '../cli/command-definition.js';
import type { InitRequest } from '../client/vault-api-types.js';
import { renderKeyStatus, wrapAtLength } from '../output/secret-rendering.js';
import { assertSealStatus, printSealStatus, sealStatusReport } from './seal-status-report.js';

export const operatorGroup: CommandGroup = {
  path: ['operator'],
  summary: 'Operator tasks: init, unseal, seal, key rotation, raft',
};

const DEFAULT_KEY_SHARES = 5;
const DEFAULT_KEY_THRESHOLD = 3;

const initCommand: CommandDefinition = {
  path: ['operator', 'init'],
  summary: 'Initialize a server',
  usage: '[options]',
  help: 'Initializes a new server: generates the root key, splits it into unseal key shares, and creates the initial root token. With -status, only reports whether the server is initialized (exit 0 yes, 2 no).',
  flags: [
    {
      name: 'key-shares',
      kind: 'int',
      aliases: ['n'],
      placeholder: '<int>',
      description: 'Number of unseal key shares to create (default 5).',
    },
    {
      name: 'key-threshold',
      kind: 'int',
      aliases: ['t'],
      placeholder: '<int>',
      description: 'Number of shares needed to unseal (default 3).',
    },
    {
      name: 'pgp-keys',
      kind: 'string-slice',
      placeholder: '<keys>',
      description: 'PGP public keys (base64 or keybase:) to encrypt the shares with.',
    },
    {
      name: 'root-token-pgp-key',
      kind: 'string',
      placeholder: '<key>',
      description: 'PGP public key to encrypt the root token with.',
    },
    {
      name: 'recovery-shares',
      kind: 'int',
      placeholder: '<int>',
      description: 'Recovery key shares (auto-unseal seals only).',
    },
    {
      name: 'recovery-threshold',
      kind: 'int',
      placeholder: '<int>',
      description: 'Recovery key threshold (auto-unseal seals only).',
    },
    {
      name: 'recovery-pgp-keys',
      kind: 'string-slice',
      placeholder: '<keys>',
      description: 'PGP keys for the recovery shares.',
    },
    {
      name: 'status',
      kind: 'bool',
      description: 'Only report the initialization status (exit 0 initialized, 2 not).',
    },
  ],
  async run(ctx) {
    ctx.expectArgs(0);
    const client = await ctx.client();
    if (ctx.flags.bool('status')) {
      const initialized = await callServer(
        'Error checking init status',
        () => client.initStatus(),
        ExitCode.usage,
      );
      if (ctx.out.format === 'table')
        ctx.out.line(initialized ? 'Vault is initialized' : 'Vault is not initialized');
      else ctx.out.data({ initialized }, true);
      return initialized ? ExitCode.ok : ExitCode.api;
    }
    const sealInfo = assertSealStatus(
      await callServer('Error checking seal status', () => client.sealStatus()),
      'Error checking seal status',
    );
    const recoverySeal = sealInfo.recovery_seal === true;
    let shares = ctx.flags.int('key-shares') ?? 0;
    let threshold = ctx.flags.int('key-threshold') ?? 0;
    let recoveryShares = ctx.flags.int('recovery-shares') ?? 0;
    let recoveryThreshold = ctx.flags.int('recovery-threshold') ?? 0;
    if (!recoverySeal) {
      if (shares === 0) shares = DEFAULT_KEY_SHARES;
      if (threshold === 0) threshold = DEFAULT_KEY_THRESHOLD;
      recoveryShares = 0;
      recoveryThreshold = 0;
    }
    const req: InitRequest = {
      secret_shares: shares,
      secret_threshold: threshold,
      ...(ctx.flags.list('pgp-keys').length > 0 ? { pgp_keys: ctx.flags.list('pgp-keys') } : {}),
      ...(ctx.flags.string('root-token-pgp-key')
        ? { root_token_pgp_key: ctx.flags.string('root-token-pgp-key') }
        : {}),
      ...(recoverySeal ? { recovery_shares: recoveryShares, recovery_threshold: recoveryThreshold } : {}),
      ...(ctx.flags.list('recovery-pgp-keys').length > 0
        ? { recovery_pgp_keys: ctx.flags.list('recovery-pgp-keys') }
        : {}),
    };
    const resp = await callServer('Error initializing', () => client.init(req));
    const keys = resp.keys ?? [];
    const keysB64 = resp.keys_base64 ?? [];
    const recoveryKeys = resp.recovery_keys ?? [];
    const recoveryKeysB64 = resp.recovery_keys_base64 ?? [];
    if (ctx.out.format !== 'table') {
      ctx.out.data(
        {
          unseal_keys_b64: keysB64,
          unseal_keys_hex: keys,
          unseal_shares: keys.length === 0 ? 1 : shares,
          unseal_threshold: keys.length === 0 ? 1 : threshold,
          recovery_keys_b64: recoveryKeysB64,
          recovery_keys_hex: recoveryKeys,
          recovery_keys_shares: recoveryShares,
          recovery_keys_threshold: recoveryThreshold,
          root_token: resp.root_token,
        },
        true,
      );
      return;
    }
    keys.forEach((key, i) => {
      const shown = keysB64.length === keys.length ? keysB64[i] : key;
      ctx.out.line(`Unseal Key ${i + 1}: ${shown}`);
    });
    recoveryKeys.forEach((key, i) => {
      const shown = recoveryKeysB64.length === recoveryKeys.length ? recoveryKeysB64[i] : key;
      ctx.out.line(`Recovery Key ${i + 1}: ${shown}`);
    });
    ctx.out.line();
    ctx.out.line(`Initial Root Token: ${resp.root_token}`);
    ctx.out.line();
    if (keys.length > 0) {
      ctx.out.line(
        wrapAtLength(
          `The server is initialized with ${shares} key shares and a key threshold of ${threshold}. ` +
            `Give each share above to a different trusted person and keep them apart. Whenever the server ` +
            `restarts or is sealed, ${threshold} of these shares must be entered again before it can serve requests.`,
        ),
      );
      ctx.out.line();
      ctx.out.line(
        wrapAtLength(
          `The root key itself is never stored. If fewer than ${threshold} shares survive, the data ` +
            `stays sealed for good: nobody, including the operators, can recover it.`,
        ),
      );
      ctx.out.line();
      ctx.out.line(
        wrapAtLength(
          'The root token can do anything. Use it to set up policies and auth methods, then revoke it ' +
            '("coffer token revoke -self") and work with less privileged tokens.',
        ),
      );
    } else {
      ctx.out.line('Success! The server is initialized.');
    }
    if (recoveryKeys.length > 0) {
      ctx.out.line();
      ctx.out.line(
        wrapAtLength(
          `Recovery keys created with ${recoveryShares} key shares and a threshold of ${recoveryThreshold}; ` +
            'distribute them like unseal keys.',
        ),
      );
    }
  },
};

const unsealCommand: CommandDefinition = {
  path: ['operator', 'unseal'],
  summary: 'Provide an unseal key share',
  usage: '[options] [KEY]',
  help: 'Submits one unseal key share. Without KEY the share is asked for on the terminal, without echo; "-" reads it from stdin. -reset discards the shares given so far.',
  flags: [
    { name: 'reset', kind: 'bool', description: 'Discard previously provided unseal key shares.' },
    { name: 'migrate', kind: 'bool', description: 'Mark the share as part of a seal migration.' },
  ],
  async run(ctx) {
    ctx.expectArgs(0, 1);
    const client = await ctx.client();
    if (ctx.flags.bool('reset')) {
      const status = assertSealStatus(
        await callServer('Error resetting unseal process', () => client.resetUnseal()),
        'Error resetting unseal process',
      );
      printSealStatus(ctx, await sealStatusReport(client, status));
      return;
    }
    let key = (ctx.args[0] ?? '').trim();
    if (key === '-') {
      key = (await ctx.readStdin()).trim();
    } else if (ctx.args.length === 0) {
      if (ctx.nonInteractive) {
        throw CliError.usage(
          'Refusing to prompt with -non-interactive: give the unseal key as an argument (or "-" for stdin)',
        );
      }
      key = (await ctx.io.promptHidden('Unseal Key (will be hidden): ', 'stdout')).trim();
    }
    if (key === '') throw CliError.usage('No unseal key given');
    const status = assertSealStatus(
      await callServer('Error unsealing', () => client.unseal(key, ctx.flags.bool('migrate'))),
      'Error unsealing',
    );
    printSealStatus(ctx, await sealStatusReport(client, status));
  },
};

const sealCommand: CommandDefinition = {
  path: ['operator', 'seal'],
  summary: 'Seal the server',
  usage: '[options]',
  help: 'Seals the server: it forgets the root key and answers 503 until unsealed again. Needs a root or sudo token.',
  flags: [],
  async run(ctx) {
    ctx.expectArgs(0);
    const client = await ctx.client();
    await callServer('Error sealing', () => client.seal());
    ctx.out.line('Success! Vault is sealed.');
  },
};

const stepDownCommand: CommandDefinition = {
  path: ['operator', 'step-down'],
  summary: 'Make the active node step down',
  usage: '[options]',
  flags: [],
  async run(ctx) {
    ctx.expectArgs(0);
    const client = await ctx.client();
    await callServer('Error stepping down', () => client.stepDown());
    ctx.out.line(`Success! Stepped down: ${client.address}`);
  },
};

const rotateCommand: CommandDefinition = {
  path: ['operator', 'rotate'],
  summary: 'Rotate the barrier encryption key',
  usage: '[options]',
  help: 'Installs a new encryption key term in the keyring; existing data stays readable. Prints the new key status.',
  flags: [],
  async run(ctx) {
    ctx.expectArgs(0);
    const client = await ctx.client();
    await callServer('Error rotating key', () => client.rotate());
    const status = await callServer('Error reading key status', () => client.keyStatus());
    if (ctx.out.format !== 'table') {
      ctx.out.data(status, true);
      return;
    }
    ctx.out.line('Success! Rotated key');
    ctx.out.line();
    ctx.out.line(renderKeyStatus(status));
  },
};

const keyStatusCommand: CommandDefinition = {
  path: ['operator', 'key-status'],
  summary: 'Print the encryption key status',
  usage: '[options]',
  flags: [],
  async run(ctx) {
    ctx.expectArgs(0);
    const client = await ctx.client();
    const status = await callServer('Error reading key status', () => client.keyStatus());
    if (ctx.out.format !== 'table') ctx.out.data(status, true);
    else ctx.out.line(renderKeyStatus(status));
  },
};

export const operatorCommands: readonly CommandDefinition[] = [
  initCommand,
  unsealCommand,
  sealCommand,
  stepDownCommand,
  rotateCommand,
  keyStatusCommand,
];
