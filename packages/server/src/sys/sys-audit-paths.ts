import type { AuditBroker } from '../audit/audit-broker.js';
import { CofferError } from '../errors/coffer-error.js';
import { ErrorCode } from '../errors/error-code.js';
import type { LogicalResponse } from '../logical/logical-response.js';
import type { FieldValues, PathSpec } from '../logical/path-spec.js';
import type { SysBackend } from './sys-backend.js';
import { sanitizeMountPath } from './sys-mount-paths.js';

const bad = (message: string): CofferError => new CofferError(ErrorCode.BadRequest, message);

function brokerOf(backend: SysBackend): AuditBroker {
  if (backend.audit === undefined)
    throw new CofferError(ErrorCode.UnsupportedOperation, 'audit devices are not supported');
  return backend.audit;
}

function pathOf(f: FieldValues): string {
  const path = sanitizeMountPath(String(f['path'] ?? ''));
  if (path === '') throw bad('path cannot be blank');
  return path;
}

function stringOptions(raw: unknown): Record<string, string> {
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) throw bad('invalid value for "options"');
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
    if (v === null || v === undefined) continue;
    out[k] =
      typeof v === 'string'
        ? v
        : typeof v === 'number' || typeof v === 'boolean'
          ? String(v)
          : JSON.stringify(v);
  }
  return out;
}

/** `sys/audit` (list), `sys/audit/:path` (enable, disable), `sys/audit-hash/:path`. All sudo, as Vault. */
export function sysAuditPaths(backend: SysBackend): PathSpec[] {
  const list = async (): Promise<LogicalResponse> => {
    const data: Record<string, unknown> = {};
    for (const e of brokerOf(backend).list()) {
      data[e.path] = {
        type: e.type,
        description: e.description,
        options: e.options,
        local: e.local,
        path: e.path,
      };
    }
    return { data };
  };
  return [
    {
      pattern: 'audit/?',
      fields: {},
      rootProtected: true,
      operations: { read: list },
    },
    {
      pattern: 'audit/(?<path>.+)',
      fields: {
        path: { type: 'string', description: 'Audit device path' },
        type: { type: 'string', description: 'Device type: file or socket' },
        description: { type: 'string', description: 'Human-friendly description' },
        options: { type: 'map', description: 'Device options' },
        local: { type: 'bool', description: 'Not replicated' },
      },
      rootProtected: true,
      operations: {
        update: async (_req, f) => {
          const type = String(f['type'] ?? '');
          if (type === '') throw bad('type is required');
          await brokerOf(backend).enable({
            path: pathOf(f),
            type,
            description: String(f['description'] ?? ''),
            options: stringOptions(f['options']),
            local: f['local'] === true,
          });
          return undefined;
        },
        delete: async (_req, f) => {
          await brokerOf(backend).disable(pathOf(f));
          return undefined;
        },
      },
    },
    {
      pattern: 'audit-hash/(?<path>.+)',
      fields: {
        path: { type: 'string', description: 'Audit device path' },
        input: { type: 'string', description: 'Value to hash' },
      },
      rootProtected: true,
      operations: {
        update: async (_req, f) => ({
          data: { hash: brokerOf(backend).hash(pathOf(f), String(f['input'] ?? '')) },
        }),
      },
    },
  ];
}
