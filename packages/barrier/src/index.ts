/** @coffer/barrier — the security barrier and the physical storage beneath it. */
export type { BackendSupports, PhysicalBackend, TxnOp } from './physical-backend.js';
export type { Storage, StorageView } from './storage.js';
export { assertValidKey, compareKeys } from './backend-key.js';
export { InmemBackend } from './inmem-backend.js';
export { FileBackend, type FileBackendOptions } from './file-backend.js';
export { listLevelChildren, type LevelKeyCursor, type OpenLevelKeyCursor } from './level-children.js';
export {
  AEAD_HEADER_BYTES,
  AEAD_KEY_BYTES,
  AEAD_NONCE_BYTES,
  AEAD_OVERHEAD_BYTES,
  AEAD_TAG_BYTES,
  AEAD_TERM_BYTES,
  AEAD_VERSION,
  aeadDecrypt,
  aeadEncrypt,
  aeadTerm,
} from './aead.js';
export { Keyring, type KeyStatus } from './keyring.js';
export type { Seal } from './seal.js';
export { decodeSealConfig, encodeSealConfig, validateSealConfig, type SealConfig } from './seal-config.js';
export { ShamirSeal } from './shamir-seal.js';
export { SealAccess } from './seal-access.js';
export { ShareCollector } from './share-collector.js';
export { parseShare, shareToBase64, shareToHex } from './share-encoding.js';
export {
  CORE_KEYRING,
  CORE_ROOT_KEY,
  CORE_SEAL_CONFIG,
  RESERVED_KEYS,
  isReservedKey,
} from './reserved-keys.js';
export { BARRIER_ERROR_CODES, BarrierError, type BarrierErrorCode } from './barrier-error.js';
export type { BarrierState, SealStatus } from './barrier-state.js';
export { Barrier, type BarrierOptions, type InitializeOptions, type InitializeResult } from './barrier.js';
export { PrefixedView } from './prefixed-view.js';
