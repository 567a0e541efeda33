/** Logical operations; each is also the ACL capability it needs (create/update decided by existence check). */
export const Operation = {
  Create: 'create',
  Read: 'read',
  Update: 'update',
  Patch: 'patch',
  Delete: 'delete',
  List: 'list',
} as const;
export type Operation = (typeof Operation)[keyof typeof Operation];
