/** The `userpass` auth method engine. */
export { userpassEngineFactory, type UserpassEngineDeps } from './userpass-engine-factory.js';
export { DEFAULT_SCRYPT_PARAMS, type ScryptParams } from './password-hash.js';
