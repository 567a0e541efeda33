export {
  ACL,
  comparePriority,
  hasSegmentWildcards,
  type AclOptions,
  type AclRequest,
  type AclResult,
} from './acl.js';
export {
  DEFAULT_POLICY_NAME,
  DEFAULT_POLICY_TEXT,
  defaultPolicy,
  RESPONSE_WRAPPING_POLICY_NAME,
  RESPONSE_WRAPPING_POLICY_TEXT,
  responseWrappingPolicy,
  ROOT_POLICY,
  ROOT_POLICY_NAME,
} from './builtin-policies.js';
export { CAPABILITIES, isCapability, type Capability } from './capability.js';
export { globbedStringsMatch } from './parameter-match.js';
export { parsePolicy } from './parse-policy.js';
export type { AclEntity } from './path-template.js';
export type { ParameterConstraints, PathRule, Policy } from './policy.js';
export { PolicyError } from './policy-error.js';
