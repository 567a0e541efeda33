/**
 * Typed request fields, coerced the way Vault's framework does: JSON numbers or numeric strings
 * for ints, "true"/"1" for bools, Go durations ("1h30m") or seconds for durations,
 * comma-separated strings for comma-string-slice.
 */
export type FieldType =
  | 'string'
  | 'int'
  | 'bool'
  | 'duration'
  | 'map'
  | 'string-map'
  | 'slice'
  | 'string-slice'
  | 'comma-string-slice';

export interface FieldSpec {
  readonly type: FieldType;
  readonly description?: string;
  readonly required?: boolean;
  readonly default?: unknown;
  /** `duration` only: accept negative durations (Vault's TypeSignedDurationSecond). */
  readonly signed?: boolean;
}

export type FieldSpecs = Readonly<Record<string, FieldSpec>>;
