import { CofferError } from '../errors/coffer-error.js';
import { ErrorCode } from '../errors/error-code.js';
import { coerceFields } from './coerce-fields.js';
import type { Engine } from './engine.js';
import type { LogicalRequest } from './logical-request.js';
import type { LogicalResponse } from './logical-response.js';
import { Operation } from './operation.js';
import type { FieldValues, PathHandler, PathSpec } from './path-spec.js';

/**
 * The engine framework: routes a mount-relative path to one of an engine's path specs,
 * decides create vs update, validates and coerces fields, and calls the handler.
 *
 * ## Conventions the HTTP layer relies on
 *
 * - **Not found / empty list.** A `read` or `list` handler returns `undefined` when there is
 *   nothing to return (Vault's nil response). `handle()` turns that — and a list response whose
 *   `data.keys` is missing or empty — into `throw new CofferError(ErrorCode.NotFound, '')`.
 *   The HTTP layer renders a `CofferError` with an empty message as `{"errors":[]}` (404).
 *   So `handle()` returns `undefined` only for a successful write/delete with nothing to say (204).
 * - **Errors with data.** A `CofferError` carrying `data` (KV v2 read of a soft-deleted or
 *   destroyed version: `CofferError(NotFound, '', {data: {data: null, metadata: {...}}})`) is
 *   rendered `{"errors":[],"data":{"data":null,"metadata":{...}}}` with the code's status.
 *   Vault's Go client parses 404 bodies for `data` and warnings, so the metadata must survive.
 * - **Raw responses** (`LogicalResponse.raw`) are written as given; the dispatcher adds no
 *   warnings to them. KV v2 uses one for a v1-style path on a v2 mount (404 envelope with a
 *   warning, as Vault does).
 * - **Field validation** failures and missing required fields are `CofferError(BadRequest)`
 *   with Vault's wording: `Field validation failed: error converting input for field "x": ...`.
 * - **Unknown parameters** (request data keys that are neither a declared field nor a path
 *   capture, unless the spec sets `takesArbitraryInput`) are ignored and reported as the warning
 *   `Endpoint ignored these unrecognized parameters: [a b]` (sorted), and captures that override
 *   body keys as `Endpoint replaced the value of these parameters with the values captured from
 *   the endpoint's path: [path]` — both only when the handler returned a non-raw response,
 *   exactly like Vault's framework.
 * - **Field values** handed to handlers: every declared field present in the request (after
 *   coercion; JSON `null` counts as absent), declared defaults for absent fields, and every
 *   path capture as a string (captures win over body keys). Handlers that must tell "absent"
 *   from "default" look at `req.data`.
 */

/** The path spec a request path matched, with its named captures. */
export interface MatchedPath {
  readonly spec: PathSpec;
  /** Index of the spec in `engine.paths`. */
  readonly index: number;
  /** Named groups of the spec's pattern; non-participating groups are ''. */
  readonly captures: Readonly<Record<string, string>>;
}

interface CompiledPath {
  readonly spec: PathSpec;
  readonly regex: RegExp;
}

export class EngineDispatcher {
  readonly engine: Engine;
  readonly #paths: readonly CompiledPath[];

  constructor(engine: Engine) {
    this.engine = engine;
    this.#paths = engine.paths.map((spec) => ({ spec, regex: new RegExp(`^(?:${spec.pattern})$`) }));
  }

  /** The first path spec whose pattern matches the whole mount-relative path. */
  match(path: string): MatchedPath | undefined {
    for (let index = 0; index < this.#paths.length; index++) {
      const compiled = this.#paths[index] as CompiledPath;
      const m = compiled.regex.exec(path);
      if (m === null) continue;
      const captures: Record<string, string> = {};
      for (const [name, value] of Object.entries(m.groups ?? {})) captures[name] = value ?? '';
      return { spec: compiled.spec, index, captures };
    }
    return undefined;
  }

  /**
   * The operation the ACL must check. For a POST/PUT (`update`, or `create`): the spec's
   * existence check decides (absent → `create`, present → `update`); without one, `update`
   * when the spec has an update handler, else `create`. Other operations are returned as is.
   * Throws `CofferError(BadRequest)` when fields fail validation before the existence check.
   */
  async resolveOperation(req: LogicalRequest, matched: MatchedPath): Promise<Operation> {
    if (req.operation !== Operation.Update && req.operation !== Operation.Create) return req.operation;
    const { spec } = matched;
    if (spec.existenceCheck !== undefined) {
      const fields = this.#fieldValues(req, matched);
      return (await spec.existenceCheck(req, fields)) ? Operation.Update : Operation.Create;
    }
    if (spec.operations.update !== undefined) return Operation.Update;
    if (spec.operations.create !== undefined) return Operation.Create;
    return Operation.Update;
  }

  /** Validates fields and calls the handler for `req.operation`. See the conventions above. */
  async handle(req: LogicalRequest, matched: MatchedPath): Promise<LogicalResponse | undefined> {
    const handler = handlerFor(matched.spec, req.operation);
    if (handler === undefined) {
      throw new CofferError(ErrorCode.UnsupportedOperation, 'unsupported operation');
    }
    const fields = this.#fieldValues(req, matched);
    const response = await handler(req, fields);

    if (req.operation === Operation.Read || req.operation === Operation.List) {
      if (response === undefined || (req.operation === Operation.List && isEmptyList(response))) {
        throw new CofferError(ErrorCode.NotFound, '');
      }
    }
    if (response === undefined || response.raw !== undefined) return response;

    const warnings = parameterWarnings(req, matched);
    if (warnings.length === 0) return response;
    return { ...response, warnings: [...(response.warnings ?? []), ...warnings] };
  }

  #fieldValues(req: LogicalRequest, matched: MatchedPath): FieldValues {
    const raw: Record<string, unknown> = { ...req.data, ...matched.captures };
    const values = coerceFields(matched.spec.fields, raw);
    // Captures are strings; those not declared as fields are handed over as they are.
    for (const [name, value] of Object.entries(matched.captures)) {
      if (!Object.hasOwn(matched.spec.fields, name)) values[name] = value;
    }
    return Object.freeze(values);
  }
}

/** Vault's fallback: `create` uses the update handler when there is no create handler, and vice versa. */
function handlerFor(spec: PathSpec, operation: Operation): PathHandler | undefined {
  const ops = spec.operations;
  const direct = ops[operation];
  if (direct !== undefined) return direct;
  if (operation === Operation.Create) return ops.update;
  if (operation === Operation.Update) return ops.create;
  return undefined;
}

function isEmptyList(response: LogicalResponse): boolean {
  if (response.raw !== undefined || response.status !== undefined) return false;
  const keys = response.data?.['keys'];
  return !Array.isArray(keys) || keys.length === 0;
}

function parameterWarnings(req: LogicalRequest, matched: MatchedPath): string[] {
  const warnings: string[] = [];
  const { spec, captures } = matched;
  if (spec.takesArbitraryInput !== true) {
    const ignored = Object.keys(req.data)
      .filter((k) => !Object.hasOwn(spec.fields, k) && !Object.hasOwn(captures, k))
      .sort();
    if (ignored.length > 0) {
      warnings.push(`Endpoint ignored these unrecognized parameters: [${ignored.join(' ')}]`);
    }
  }
  const replaced = Object.keys(captures)
    .filter((k) => Object.hasOwn(req.data, k) && req.data[k] !== null && req.data[k] !== undefined)
    .sort();
  if (replaced.length > 0) {
    warnings.push(
      `Endpoint replaced the value of these parameters with the values captured from the endpoint's path: [${replaced.join(' ')}]`,
    );
  }
  return warnings;
}
