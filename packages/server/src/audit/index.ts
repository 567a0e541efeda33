export {
  AuditBroker,
  AUDIT_SALT_PREFIX,
  AUDIT_TABLE_KEY,
  type AuditTableEntry,
  type EnableAuditRequest,
} from './audit-broker.js';
export { FileAuditDevice, SocketAuditDevice, type AuditDevice } from './audit-devices.js';
export {
  formatRequestEntry,
  formatResponseEntry,
  type AuditRequestInfo,
  type FormatOptions,
} from './audit-format.js';
export { hashStructure, hmacString } from './hash.js';
