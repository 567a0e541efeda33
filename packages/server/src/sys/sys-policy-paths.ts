import { CofferError } from '../errors/coffer-error.js';
import { ErrorCode } from '../errors/error-code.js';
import type { LogicalResponse } from '../logical/logical-response.js';
import type { FieldValues, PathSpec } from '../logical/path-spec.js';
import { normalizePolicyName, type PolicyStore } from '../policy/policy-store.js';

const STANDARD_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Vault accepts the policy body base64-encoded: if it decodes as standard base64, the decoded text is used. */
export function decodePolicyBody(text: string): string {
  if (text !== '' && STANDARD_BASE64.test(text)) {
    const decoded = Buffer.from(text, 'base64');
    const asText = decoded.toString('utf8');
    if (Buffer.from(asText, 'utf8').equals(decoded)) return asText;
  }
  return text;
}

function policyText(fields: FieldValues, legacyRules: boolean): string {
  const policy = typeof fields['policy'] === 'string' ? fields['policy'] : '';
  const rules = legacyRules && typeof fields['rules'] === 'string' ? fields['rules'] : '';
  const text = policy !== '' ? policy : rules;
  if (text === '') throw new CofferError(ErrorCode.BadRequest, "'policy' parameter not supplied or empty");
  return decodePolicyBody(text);
}

async function readPolicy(
  store: PolicyStore,
  fields: FieldValues,
  bodyKey: 'rules' | 'policy',
): Promise<LogicalResponse | undefined> {
  const policy = await store.get(String(fields['name'] ?? ''));
  if (policy === undefined) return undefined;
  return { data: { name: policy.name, [bodyKey]: policy.raw } };
}

/**
 * `sys/policy` (legacy: list as `keys` + `policies`, body key `rules`) and `sys/policies/acl`
 * (modern: LIST only at the root, body key `policy`). Names are trimmed and lower-cased.
 * `storeOf` is called per request: the store exists only while unsealed.
 */
export function sysPolicyPaths(storeOf: () => PolicyStore): PathSpec[] {
  const list = async (): Promise<LogicalResponse> => {
    const names = await storeOf().list();
    return { data: { keys: names, policies: names } };
  };
  const nameFields = {
    name: { type: 'string', description: 'Policy name' },
    policy: { type: 'string', description: 'Policy document (HCL or JSON), optionally base64-encoded' },
  } as const;
  return [
    {
      pattern: 'policy/?',
      fields: {},
      operations: { read: list, list },
    },
    {
      pattern: 'policy/(?<name>.+)',
      fields: { ...nameFields, rules: { type: 'string', description: 'Deprecated alias of policy' } },
      operations: {
        read: async (_req, f) => readPolicy(storeOf(), f, 'rules'),
        update: async (_req, f) => {
          await storeOf().set(normalizePolicyName(String(f['name'])), policyText(f, true));
          return undefined;
        },
        delete: async (_req, f) => {
          await storeOf().delete(String(f['name']));
          return undefined;
        },
      },
    },
    {
      pattern: 'policies/acl/?',
      fields: {},
      operations: {
        list: async () => {
          const names = await storeOf().list();
          return { data: { keys: names } };
        },
      },
    },
    {
      pattern: 'policies/acl/(?<name>.+)',
      fields: nameFields,
      operations: {
        read: async (_req, f) => readPolicy(storeOf(), f, 'policy'),
        update: async (_req, f) => {
          await storeOf().set(normalizePolicyName(String(f['name'])), policyText(f, false));
          return undefined;
        },
        delete: async (_req, f) => {
          await storeOf().delete(String(f['name']));
          return undefined;
        },
      },
    },
  ];
}
