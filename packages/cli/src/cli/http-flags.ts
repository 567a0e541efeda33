import type { FlagSpec } from './flag-spec.js';

/** Connection flags every command accepts (Vault's "HTTP Options"); they override the environment. */
export const HTTP_FLAGS: readonly FlagSpec[] = [
  {
    name: 'address',
    kind: 'string',
    placeholder: '<url>',
    description: 'Address of the server (VAULT_ADDR / COFFER_ADDR; default https://127.0.0.1:8200).',
  },
  {
    name: 'ca-cert',
    kind: 'string',
    placeholder: '<path>',
    description: 'PEM CA certificate file to verify the server certificate (VAULT_CACERT).',
  },
  {
    name: 'ca-path',
    kind: 'string',
    placeholder: '<dir>',
    description: 'Directory of PEM CA certificates (VAULT_CAPATH).',
  },
  {
    name: 'client-cert',
    kind: 'string',
    placeholder: '<path>',
    description: 'PEM client certificate for TLS authentication (VAULT_CLIENT_CERT).',
  },
  {
    name: 'client-key',
    kind: 'string',
    placeholder: '<path>',
    description: 'PEM private key of -client-cert (VAULT_CLIENT_KEY).',
  },
  {
    name: 'tls-server-name',
    kind: 'string',
    placeholder: '<name>',
    description: 'SNI name used when connecting over TLS (VAULT_TLS_SERVER_NAME).',
  },
  {
    name: 'tls-skip-verify',
    kind: 'bool',
    description: 'Do not verify the server certificate; strongly discouraged (VAULT_SKIP_VERIFY).',
  },
  {
    name: 'namespace',
    kind: 'string',
    aliases: ['ns'],
    placeholder: '<ns>',
    description: 'Namespace header to send (VAULT_NAMESPACE).',
  },
  {
    name: 'wrap-ttl',
    kind: 'duration',
    placeholder: '<duration>',
    description:
      'Wrap the response in a single-use token with this TTL (e.g. 5m); read it with "coffer unwrap" (VAULT_WRAP_TTL).',
  },
  {
    name: 'disable-redirects',
    kind: 'bool',
    description: 'Do not follow the redirect a standby may answer with (VAULT_DISABLE_REDIRECTS).',
  },
  { name: 'non-interactive', kind: 'bool', description: 'Never prompt or read secrets from the terminal.' },
  {
    name: 'format',
    kind: 'string',
    placeholder: '<table|json|yaml>',
    description: 'Output format (VAULT_FORMAT); accepted anywhere on the command line.',
  },
];

/** `-field`: print one field's raw value. */
export const FIELD_FLAG: FlagSpec = {
  name: 'field',
  kind: 'string',
  placeholder: '<name>',
  description: 'Print only this field, without a trailing newline when piped.',
};
