import type { HclPlainValue } from '../hcl/hcl-plain-value.js';
import type { SourcePosition } from '../hcl/source-position.js';
import type { Capability } from './capability.js';

/** A parsed ACL policy (`parsePolicy`). Immutable; build an `ACL` from one or more. */
export interface Policy {
  readonly name: string;
  /** The policy text as given. */
  readonly raw: string;
  readonly paths: readonly PathRule[];
  /** True when some path uses identity templating (`{{identity.entity.id}}`). */
  readonly templated: boolean;
}

/** One `path "..." { }` stanza. */
export interface PathRule {
  /** The path as written, minus one leading `/`; may end in `*` and contain `+` segments and templates. */
  readonly path: string;
  /**
   * Granted capabilities, after mapping the legacy `policy = "..."` shorthand. A rule that
   * includes `deny` is exactly `['deny']` and has no parameter or wrapping constraints.
   */
  readonly capabilities: readonly Capability[];
  /** Lower-cased parameter name to allowed values (`[]` = any value); undefined when not given. */
  readonly allowedParameters: ParameterConstraints | undefined;
  /** Lower-cased parameter name to denied values (`[]` = the parameter is denied); undefined when not given. */
  readonly deniedParameters: ParameterConstraints | undefined;
  readonly requiredParameters: readonly string[];
  /** Seconds; 0 when not set. */
  readonly minWrappingTtl: number;
  /** Seconds; 0 when not set. */
  readonly maxWrappingTtl: number;
  readonly subscribeEventTypes: readonly string[];
  readonly templated: boolean;
  readonly pos: SourcePosition;
}

export type ParameterConstraints = ReadonlyMap<string, readonly HclPlainValue[]>;
