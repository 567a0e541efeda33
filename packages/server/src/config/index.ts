export { ConfigError } from './config-error.js';
export { DurationError } from './duration-error.js';
export { loadConfig } from './load-config.js';
export { parseConfig, type ConfigFormat, type ParseConfigOptions } from './parse-config.js';
export { parseDuration, type ParseDurationOptions } from './parse-duration.js';
export type {
  FileStorageConfig,
  InmemStorageConfig,
  LogLevel,
  RaftStorageConfig,
  RetryJoinConfig,
  ServerConfig,
  StorageConfig,
  TcpListenerConfig,
  TelemetryConfig,
} from './server-config.js';
