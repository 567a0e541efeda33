import type { PathSpec } from '../logical/path-spec.js';
import type { SysBackend } from './sys-backend.js';

/** `sys/rotate` (sudo; new keyring term) and `sys/key-status` (term, install_time, encryptions). */
export function sysKeyPaths(backend: SysBackend): PathSpec[] {
  return [
    {
      pattern: 'rotate',
      fields: {},
      rootProtected: true,
      operations: {
        update: async () => {
          await backend.rotate();
          return undefined;
        },
      },
    },
    {
      pattern: 'key-status',
      fields: {},
      operations: {
        read: async () => {
          const s = backend.keyStatus();
          return { data: { term: s.term, install_time: s.installTime, encryptions: s.encryptions } };
        },
      },
    },
  ];
}
