import type { Engine } from '../logical/engine.js';
import { sysAuditPaths } from './sys-audit-paths.js';
import type { SysBackend } from './sys-backend.js';
import { sysCapabilitiesPaths } from './sys-capabilities-paths.js';
import { sysHaPaths } from './sys-ha-paths.js';
import { sysKeyPaths } from './sys-key-paths.js';
import { sysLeasePaths } from './sys-lease-paths.js';
import { sysLifecyclePaths } from './sys-lifecycle-paths.js';
import { sysMetricsPaths } from './sys-metrics-paths.js';
import { sysMountPaths } from './sys-mount-paths.js';
import { sysPolicyPaths } from './sys-policy-paths.js';
import { sysRaftPaths } from './sys-raft-paths.js';
import { sysToolsPaths } from './sys-tools-paths.js';
import { sysWrappingPaths } from './sys-wrapping-paths.js';

/**
 * The `sys/` engine: Vault's system backend as path specs, so the pipeline treats it like any
 * engine (ACL, sudo via `rootProtected`, unauthenticated paths). Handlers talk to the core only
 * through `SysBackend`.
 */
export function createSysEngine(backend: SysBackend): Engine {
  return {
    paths: [
      ...sysLifecyclePaths(backend),
      ...sysMountPaths(backend),
      ...sysPolicyPaths(() => backend.policies),
      ...sysCapabilitiesPaths(backend),
      ...sysToolsPaths(),
      ...sysKeyPaths(backend),
      ...sysHaPaths(backend),
      ...sysRaftPaths(backend),
      ...sysMetricsPaths(),
      ...sysAuditPaths(backend),
      ...sysLeasePaths(backend),
      ...sysWrappingPaths(() => backend.responseWrapper()),
    ],
  };
}
