/** The `approle` auth method engine. */
export {
  approleEngineFactory,
  createAppRoleEngine,
  type AppRoleEngine,
  type AppRoleEngineDeps,
} from './approle-engine-factory.js';
export type { AppRoleLogger, SecretIdTidyReport } from './approle-store.js';
