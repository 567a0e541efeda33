/** @coffer/server — the Coffer node: HTTP API, core, engines, and the `server` command. */
export { runServerCommand, type ServerCommandIo } from './run-server-command.js';
export { Core, CORE_VERSION, type CoreOptions, type CoreInitParams } from './core/core.js';
export type { CoreRequest, CoreResponse, RequestHandler } from './core/core-request.js';
export { createApp, type AppOptions } from './http/create-app.js';
export { Listener, type ListenerOptions, type ListenerTls } from './http/listener.js';
export { EngineRegistry } from './router/engine-registry.js';
export { CofferError } from './errors/coffer-error.js';
export { ErrorCode } from './errors/error-code.js';
export { httpStatusOf } from './errors/http-status.js';
export { parseHcl, parseJson } from './hcl/index.js';
export { loadConfig, ConfigError, type ServerConfig } from './config/index.js';
