import type { StorageView } from '@coffer/barrier';
import type { PathSpec } from './path-spec.js';

/** What a mount looks like to the engine that serves it. */
export interface MountInfo {
  /** With trailing slash, e.g. `secret/`. For auth mounts, `auth/userpass/`. */
  readonly path: string;
  readonly type: string;
  readonly accessor: string;
  readonly uuid: string;
  readonly options: Readonly<Record<string, string>>;
}

/** An engine instance serving one mount: its paths are data, plus lifecycle hooks. */
export interface Engine {
  readonly paths: readonly PathSpec[];
  /** Called when the mount is disabled: the engine may clean up beyond its storage view. */
  cleanup?(storage: StorageView): Promise<void>;
}

/** Creates an engine for a mount; registered by type name (`kv`, `cubbyhole`, `token`, ...). */
export interface EngineFactory {
  readonly type: string;
  create(mount: MountInfo, storage: StorageView): Promise<Engine>;
}
