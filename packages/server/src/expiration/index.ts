/** Leases: the expiration manager and its records. */
export {
  ExpirationManager,
  type AuthLike,
  type ExpirationLogger,
  type ExpirationOptions,
  type IrrevocableLease,
  type LeaseEngine,
  type LeaseLookup,
  type LeaseRequest,
  type LeaseTtls,
  type RenewedLease,
  type RevokeOptions,
} from './expiration-manager.js';
export { secretLeaseId, tokenLeaseId } from './lease-id.js';
export { LeaseQueue } from './lease-queue.js';
export type { LeaseRecord } from './lease-record.js';
