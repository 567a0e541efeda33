import type { CommandDefinition, CommandGroup } from '../cli/command-definition.js';
import { auditCommands, auditGroup } from './audit-commands.js';
import { authCommands, authGroup } from './auth-commands.js';
import { genericCommands } from './generic-commands.js';
import { kvCommands, kvGroup, kvMetadataGroup } from './kv-commands.js';
import { leaseCommands, leaseGroup } from './lease-commands.js';
import { loginCommand } from './login-command.js';
import { operatorCommands, operatorGroup } from './operator-commands.js';
import { policyCommands, policyGroup } from './policy-commands.js';
import { raftAutopilotCommands, raftAutopilotGroup } from './raft-autopilot-commands.js';
import { raftCommands, raftGroup } from './raft-commands.js';
import { raftSnapshotCommands, raftSnapshotGroup } from './raft-snapshot-commands.js';
import { secretsCommands, secretsGroup } from './secrets-commands.js';
import { statusCommand } from './status-command.js';
import { tokenCommands, tokenGroup } from './token-commands.js';
import { unwrapCommand } from './unwrap-command.js';
import { versionCommand } from './version-command.js';

/** Every leaf command of `coffer` (the `server` command is dispatched separately). */
export const COMMANDS: readonly CommandDefinition[] = [
  ...genericCommands,
  statusCommand,
  loginCommand,
  ...operatorCommands,
  ...raftCommands,
  ...raftAutopilotCommands,
  ...raftSnapshotCommands,
  ...tokenCommands,
  ...authCommands,
  ...leaseCommands,
  unwrapCommand,
  ...policyCommands,
  ...secretsCommands,
  ...auditCommands,
  ...kvCommands,
  versionCommand,
];

/** Words that group commands. */
export const GROUPS: readonly CommandGroup[] = [
  operatorGroup,
  raftGroup,
  raftAutopilotGroup,
  raftSnapshotGroup,
  tokenGroup,
  authGroup,
  leaseGroup,
  policyGroup,
  secretsGroup,
  auditGroup,
  kvGroup,
  kvMetadataGroup,
];
