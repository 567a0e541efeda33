export { VaultClient, parseSecret } from './client/vault-client.js';
export type {
  VaultClientOptions,
  RequestOptions,
  VaultResponse,
  QueryParams,
  TlsOptions,
  StreamRequestOptions,
  StreamingResponse,
  RaftConfigurationAnswer,
} from './client/vault-client.js';
export { VaultApiError, VaultConnectionError } from './client/vault-api-error.js';
export type * from './client/vault-api-types.js';
export { runCli, type RunCliOptions, type ServerRunner } from './cli/run-cli.js';
export { normaliseArgv, extractGlobalFlags, parseGoBool, parseGoInt } from './cli/normalise-argv.js';
export type { NormalisedArgv, FlagOccurrence, GlobalFlags } from './cli/normalise-argv.js';
export type { FlagSpec, FlagKind } from './cli/flag-spec.js';
export {
  readCliEnvironment,
  envSetting,
  DEFAULT_ADDRESS,
  type CliEnvironment,
} from './cli/cli-environment.js';
export { TokenHelper } from './cli/token-helper.js';
export { CliError, ExitCode } from './cli/cli-error.js';
export type { CliIo } from './cli/cli-io.js';
export { parseKeyValueArgs } from './cli/key-value-args.js';
export {
  parseDurationSeconds,
  goDurationString,
  formatGoDuration,
  humanDuration,
} from './cli/go-duration.js';
export { parseOutputFormat, type OutputFormat } from './output/output-format.js';
export { CommandOutput } from './output/command-output.js';
export { formatPolicy, policyTreeFromJson, validatePolicy } from './policy/format-policy.js';
export { KvTarget, addPrefixToKvPath, sanitizePath } from './kv/kv-path.js';
