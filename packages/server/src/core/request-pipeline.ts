import type { Logger } from 'pino';
import type { AuditBroker } from '../audit/audit-broker.js';
import type { AuditRequestInfo } from '../audit/audit-format.js';
import { CofferError } from '../errors/coffer-error.js';
import { ErrorCode } from '../errors/error-code.js';
import type { LeaseRequest } from '../expiration/index.js';
import type { LogicalRequest, RequestAuth } from '../logical/logical-request.js';
import type { LogicalResponse } from '../logical/logical-response.js';
import { Operation } from '../logical/operation.js';
import type { TokenEntry } from '../logical/token-entry.js';
import type { TokenUse } from '../tokens/index.js';
import { responseWrapperOf } from '../wrapping/response-wrapper-of.js';
import { wrapResponse } from '../wrapping/wrap-response.js';
import { validateWrappingTokenRequest, WRAPPING_TOKEN_PATHS } from '../wrapping/wrapping-token-request.js';
import type { CoreRequest, CoreResponse } from './core-request.js';
import type { CoreRuntime } from './core-runtime.js';
import { existenceCheckMoot } from './existence-check-moot.js';

const permissionDenied = (): CofferError => new CofferError(ErrorCode.PermissionDenied, 'permission denied');
/** Vault answers a bad, expired or revoked token with both messages. */
const invalidToken = (): CofferError =>
  new CofferError(ErrorCode.PermissionDenied, 'permission denied\ninvalid token');

function isRootEntry(entry: TokenEntry): boolean {
  return entry.policies.includes('root');
}

/**
 * The request path of an unsealed node:
 *
 *   route (longest-prefix mount) → match the engine's path spec → token lookup (skipped for
 *   unauthenticated paths) → create-vs-update existence check (skipped when moot, see
 *   existenceCheckMoot) → ACL (sudo for root-protected
 *   paths) → spend one token use → handler → response.
 *
 * Errors are typed (`CofferError`); the HTTP layer renders them.
 */
export async function runPipeline(
  runtime: CoreRuntime,
  req: CoreRequest,
  logger: Logger,
  observer?: RequestObserver,
  audit?: AuditBroker,
): Promise<CoreResponse> {
  if (observer === undefined) return pipeline(runtime, req, logger, undefined, audit);
  const labels: ObservedLabels = { operation: req.operation, mount: '' };
  const start = process.hrtime.bigint();
  let ok = false;
  try {
    const result = await pipeline(runtime, req, logger, labels, audit);
    ok = true;
    return result;
  } finally {
    observer(labels.operation, labels.mount, Number(process.hrtime.bigint() - start) / 1e9, ok);
  }
}

/**
 * Leases for what the handler issued: a service token in `auth`, a leased `secret` (its lease ID
 * filled in). A token whose lease cannot be recorded is revoked again (Vault), and the request
 * fails with 500.
 */
async function registerLeases(
  runtime: CoreRuntime,
  response: LogicalResponse,
  request: LeaseRequest,
): Promise<LogicalResponse> {
  try {
    return await runtime.expiration.registerResponse(request, response);
  } catch (err) {
    // A login or create must not hand out an unleased token; a renewal keeps its token.
    const accessor = response.auth?.accessor;
    if (accessor !== undefined && accessor !== '' && !/\/renew(-self|-accessor)?$/.test(request.path))
      await runtime.tokens.revokeByAccessor(accessor).catch(() => false);
    if (err instanceof CofferError && err.code === ErrorCode.BadRequest) throw err;
    throw new CofferError(ErrorCode.Internal, 'failed to register lease');
  }
}

/**
 * Told about every request the pipeline ran: the operation (after the existence check), the
 * mount point that routed it ('' when none), seconds taken, and whether it succeeded.
 */
export type RequestObserver = (operation: string, mount: string, seconds: number, ok: boolean) => void;

interface ObservedLabels {
  operation: string;
  mount: string;
}

async function pipeline(
  runtime: CoreRuntime,
  req: CoreRequest,
  logger: Logger,
  labels: ObservedLabels | undefined,
  audit: AuditBroker | undefined,
): Promise<CoreResponse> {
  const routed = runtime.router.match(req.path);
  if (routed === undefined) {
    // As Vault (CVE-2020-25594): the token is checked before routing, so a caller without a
    // valid token (or without access) cannot tell a missing mount from an existing one.
    if (req.token === undefined) throw permissionDenied();
    const caller = await runtime.tokens.lookup(req.token);
    if (caller === undefined) throw invalidToken();
    const acl = await runtime.acls.aclFor(caller.policies);
    if (!acl.check({ operation: req.operation, path: req.path }).allowed) throw permissionDenied();
    throw new CofferError(ErrorCode.NoRoute, `no handler for route "${req.path}". route entry not found.`);
  }
  const { route, relativePath } = routed;
  if (labels !== undefined) labels.mount = route.mountPoint;
  const matched = route.dispatcher.match(relativePath);
  const unauthenticated = matched?.spec.unauthenticated === true;

  const auditInfo = (
    operation: string,
    tokenEntry: TokenEntry | undefined,
    allowed: boolean,
  ): AuditRequestInfo => ({
    id: req.id,
    operation,
    path: req.path,
    data: req.data,
    clientToken: req.token,
    entry: tokenEntry,
    allowed,
    mountPoint: route.mountPoint,
    mountType: route.entry.type,
    mountAccessor: route.entry.accessor,
    remoteAddress: req.clientAddress,
    wrapTtl: req.wrapTtl,
  });
  // Refused before the handler (Vault): the request entry first — no device recording it is a
  // 500 `internal error` — then the response entry carrying the error. Returns `err` to throw.
  const denied = async (err: CofferError, info: AuditRequestInfo): Promise<CofferError> => {
    if (audit?.enabled === true) {
      await audit.logRequest(info, err.message);
      await audit.logResponse(info, undefined, err.message);
    }
    return err;
  };

  // Vault validates the wrapping token of unwrap/lookup/rewrap before the client token: a spent
  // or unknown one is a 400 `wrapping token is not valid or does not exist`, not a 403.
  if (WRAPPING_TOKEN_PATHS.has(req.path)) {
    try {
      await validateWrappingTokenRequest(responseWrapperOf(runtime), req.data, req.token);
    } catch (err) {
      if (err instanceof CofferError) throw await denied(err, auditInfo(req.operation, undefined, false));
      throw err;
    }
  }

  // Token: required unless the path is unauthenticated (where a valid one is still passed on).
  let entry: TokenEntry | undefined;
  if (req.token !== undefined) {
    entry = await runtime.tokens.lookup(req.token);
    if (entry === undefined && !unauthenticated)
      throw await denied(invalidToken(), auditInfo(req.operation, undefined, false));
  } else if (!unauthenticated) {
    throw await denied(permissionDenied(), auditInfo(req.operation, undefined, false));
  }

  const base: LogicalRequest = {
    id: req.id,
    operation: req.operation,
    fullPath: req.path,
    mountPoint: route.mountPoint,
    mountType: route.entry.type,
    mountAccessor: route.entry.accessor,
    path: relativePath,
    data: req.data,
    headers: req.headers,
    auth: undefined,
    clientAddress: req.clientAddress,
    storage: route.storage,
  };

  // The existence check may need the caller (cubbyhole is per token); sudo is not known yet.
  const preliminary: RequestAuth | undefined =
    entry !== undefined && req.token !== undefined
      ? { clientToken: req.token, entry, isRoot: isRootEntry(entry), sudo: false }
      : undefined;
  // The caller's ACL (cached per policy set): asked whether the existence check is moot, then for
  // the decision below.
  const acl = entry !== undefined ? await runtime.acls.aclFor(entry.policies) : undefined;
  let operation = req.operation;
  if (matched !== undefined) {
    const moot =
      entry !== undefined &&
      acl !== undefined &&
      existenceCheckMoot({
        operation,
        spec: matched.spec,
        acl,
        entry,
        path: req.path,
        data: req.data,
        rootProtected: matched.spec.rootProtected === true,
        wrapTtl: req.wrapTtl,
        audited: audit?.enabled === true,
      });
    operation = moot
      ? Operation.Update
      : await route.dispatcher.resolveOperation({ ...base, auth: preliminary }, matched);
  }
  if (labels !== undefined) labels.operation = operation;

  let auth: RequestAuth | undefined;
  let use: TokenUse | undefined;
  let audited: AuditRequestInfo | undefined;
  if (entry !== undefined && acl !== undefined && req.token !== undefined) {
    const decision = acl.check({
      operation,
      path: req.path,
      data: req.data,
      rootProtected: matched?.spec.rootProtected === true,
      wrapTtl: req.wrapTtl,
    });
    if (!decision.allowed && !unauthenticated)
      throw await denied(permissionDenied(), auditInfo(operation, entry, false));
    // Audit (fail closed): with devices enabled, no device recording the request means 500 and
    // nothing done — before the token use is spent and before the handler runs.
    if (!unauthenticated && audit?.enabled === true) {
      audited = auditInfo(operation, entry, true);
      await audit.logRequest(audited);
    }
    if (!unauthenticated) {
      use = await runtime.tokens.use(entry);
      if (use === undefined) {
        const err = invalidToken();
        if (audited !== undefined) await audit?.logResponse(audited, undefined, err.message);
        throw err;
      }
      entry = use.entry;
    }
    auth = {
      clientToken: req.token,
      entry,
      isRoot: decision.isRoot || isRootEntry(entry),
      sudo: decision.rootPrivs,
    };
  }

  // Logins (unauthenticated auth-method paths) are audited too, fail closed; the response entry
  // carries the issued token HMAC'd. The caller's token, if any, is not theirs: the entry is the new one.
  if (audited === undefined && unauthenticated && req.path.startsWith('auth/') && audit?.enabled === true) {
    audited = auditInfo(operation, undefined, true);
    await audit.logRequest(audited);
  }

  if (matched === undefined) {
    const err = new CofferError(ErrorCode.NotFound, 'unsupported path');
    if (audited !== undefined)
      await audit?.logResponse(audited, undefined, err.message).catch(() => undefined);
    throw err;
  }

  try {
    let response;
    try {
      response = await route.dispatcher.handle({ ...base, operation, auth }, matched);
      if (response !== undefined && (response.auth !== undefined || response.secret !== undefined))
        response = await registerLeases(runtime, response, {
          path: req.path,
          mountType: route.entry.type,
          mountAccessor: route.entry.accessor,
          caller: entry,
        });
    } catch (err) {
      // Best effort: the handler's error is what the client sees.
      if (audited !== undefined && audit !== undefined) {
        const failed = audited;
        await audit
          .logResponse(failed, undefined, err instanceof Error ? err.message : 'internal error')
          .catch(() => undefined);
      }
      throw err;
    }
    // Response wrapping (X-Vault-Wrap-TTL): the client gets only a single-use token, the response
    // waits in that token's cubbyhole. After lease registration; audited in its wrapped form.
    response = await wrapResponse(() => responseWrapperOf(runtime), {
      requestId: req.id,
      path: req.path,
      mountType: route.entry.type,
      ttl: req.wrapTtl,
      response,
    });
    // A response no device could record is a 500 (Vault), although the handler already ran.
    if (audited !== undefined && audit !== undefined) await audit.logResponse(audited, response);
    return { response, mountType: route.entry.type };
  } finally {
    if (use?.lastUse === true) {
      const finished = use;
      await runtime.tokens.finishUse(finished).catch((err: unknown) => {
        logger.warn(
          { error_name: err instanceof Error ? err.name : typeof err },
          'revoking a spent token failed',
        );
      });
    }
  }
}
