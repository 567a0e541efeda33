import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CofferError } from '../../src/errors/coffer-error.js';
import { ErrorCode } from '../../src/errors/error-code.js';
import { EngineDispatcher } from '../../src/logical/engine-dispatcher.js';
import type { Engine } from '../../src/logical/engine.js';
import type { LogicalRequest } from '../../src/logical/logical-request.js';
import type { Operation } from '../../src/logical/operation.js';
import type { FieldValues, PathSpec } from '../../src/logical/path-spec.js';
import { makeRequest } from './make-request.js';
import { memoryStorage } from './memory-storage.js';

interface Call {
  readonly op: string;
  readonly fields: FieldValues;
}

function recordingEngine(calls: Call[], extra: Partial<PathSpec> = {}): Engine {
  const record =
    (op: string) =>
    async (_req: LogicalRequest, fields: FieldValues): Promise<{ data: Record<string, unknown> }> => {
      calls.push({ op, fields });
      return { data: { op } };
    };
  return {
    paths: [
      {
        pattern: 'config',
        fields: {
          max: { type: 'int', default: 10 },
          flag: { type: 'bool' },
          ttl: { type: 'duration' },
          names: { type: 'comma-string-slice' },
          name: { type: 'string', required: true },
        },
        operations: { read: record('read'), update: record('update') },
      },
      {
        pattern: 'items/(?<name>[^/]+)/(?<sub>.*)',
        fields: { name: { type: 'string' }, value: { type: 'int' } },
        operations: { create: record('create') },
        ...extra,
      },
      {
        pattern: 'items/(?<name>.+)',
        fields: {},
        operations: { update: record('update'), read: record('read'), list: record('list') },
      },
      {
        pattern: 'rooty(/(?<opt>.*))?',
        fields: {},
        operations: { delete: record('delete') },
      },
    ],
  };
}

function req(operation: Operation, path: string, data: Record<string, unknown> = {}): LogicalRequest {
  return makeRequest({ operation, path, data, storage: memoryStorage() });
}

async function rejectsWith(p: Promise<unknown>, code: ErrorCode, message?: string | RegExp): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof CofferError, `expected CofferError, got ${String(err)}`);
    assert.equal(err.code, code);
    if (typeof message === 'string') assert.equal(err.message, message);
    else if (message !== undefined) assert.match(err.message, message);
    return true;
  });
}

void describe('EngineDispatcher.match', () => {
  const d = new EngineDispatcher(recordingEngine([]));

  void it('matches the whole path, first spec wins, with named captures', () => {
    const m = d.match('items/a/b/c');
    assert.ok(m);
    assert.equal(m.index, 1);
    assert.deepEqual(m.captures, { name: 'a', sub: 'b/c' });
    const m2 = d.match('items/a');
    assert.equal(m2?.index, 2);
    assert.deepEqual(m2?.captures, { name: 'a' });
  });

  void it('is anchored at both ends', () => {
    assert.equal(d.match('xconfig'), undefined);
    assert.equal(d.match('configx'), undefined);
    assert.equal(d.match('config/'), undefined);
    assert.equal(d.match('config')?.index, 0);
  });

  void it('anchors alternations as a whole', () => {
    const alt = new EngineDispatcher({ paths: [{ pattern: 'a|b', fields: {}, operations: {} }] });
    assert.ok(alt.match('a'));
    assert.ok(alt.match('b'));
    assert.equal(alt.match('ab'), undefined);
  });

  void it('reports non-participating groups as empty strings', () => {
    const m = d.match('rooty');
    assert.deepEqual(m?.captures, { opt: '' });
  });

  void it('returns undefined when nothing matches', () => {
    assert.equal(d.match('nope'), undefined);
  });
});

void describe('EngineDispatcher.resolveOperation', () => {
  void it('uses the existence check: absent → create, present → update', async () => {
    let exists = false;
    let seen: FieldValues | undefined;
    const d = new EngineDispatcher(
      recordingEngine([], {
        existenceCheck: async (_r, fields) => {
          seen = fields;
          return exists;
        },
      }),
    );
    const m = d.match('items/x/y');
    assert.ok(m);
    assert.equal(await d.resolveOperation(req('update', 'items/x/y', { value: '5' }), m), 'create');
    assert.deepEqual(seen, { name: 'x', value: 5, sub: 'y' });
    exists = true;
    assert.equal(await d.resolveOperation(req('update', 'items/x/y'), m), 'update');
    assert.equal(await d.resolveOperation(req('create', 'items/x/y'), m), 'update');
  });

  void it('validates fields before the existence check (400)', async () => {
    const d = new EngineDispatcher(recordingEngine([], { existenceCheck: async () => true }));
    const m = d.match('items/x/y');
    assert.ok(m);
    await rejectsWith(
      d.resolveOperation(req('update', 'items/x/y', { value: 'abc' }), m),
      ErrorCode.BadRequest,
    );
  });

  void it('without an existence check: update if there is an update handler, else create', async () => {
    const d = new EngineDispatcher(recordingEngine([]));
    const cfg = d.match('config');
    const items = d.match('items/x/y');
    assert.ok(cfg && items);
    assert.equal(await d.resolveOperation(req('update', 'config'), cfg), 'update');
    assert.equal(await d.resolveOperation(req('update', 'items/x/y'), items), 'create');
  });

  void it('leaves other operations alone', async () => {
    const d = new EngineDispatcher(recordingEngine([], { existenceCheck: async () => true }));
    const m = d.match('items/x/y');
    assert.ok(m);
    for (const op of ['read', 'list', 'delete', 'patch'] as const) {
      assert.equal(await d.resolveOperation(req(op, 'items/x/y'), m), op);
    }
  });
});

void describe('EngineDispatcher.handle', () => {
  void it('calls the handler with coerced fields and defaults', async () => {
    const calls: Call[] = [];
    const d = new EngineDispatcher(recordingEngine(calls));
    const m = d.match('config');
    assert.ok(m);
    const resp = await d.handle(
      req('update', 'config', { name: 'n', flag: 'true', ttl: '1h30m', names: 'a, b,c' }),
      m,
    );
    assert.deepEqual(resp, { data: { op: 'update' } });
    assert.deepEqual(calls[0]?.fields, { name: 'n', flag: true, ttl: 5400, names: ['a', 'b', 'c'], max: 10 });
  });

  void it('405 unsupported operation when the spec lacks the operation', async () => {
    const d = new EngineDispatcher(recordingEngine([]));
    const m = d.match('config');
    assert.ok(m);
    await rejectsWith(
      d.handle(req('delete', 'config'), m),
      ErrorCode.UnsupportedOperation,
      'unsupported operation',
    );
    await rejectsWith(d.handle(req('patch', 'config'), m), ErrorCode.UnsupportedOperation);
  });

  void it('create falls back to the update handler and update to the create handler', async () => {
    const calls: Call[] = [];
    const d = new EngineDispatcher(recordingEngine(calls));
    const cfg = d.match('config');
    const items = d.match('items/x/y');
    assert.ok(cfg && items);
    assert.deepEqual(await d.handle(req('create', 'config', { name: 'a' }), cfg), { data: { op: 'update' } });
    assert.deepEqual(await d.handle(req('update', 'items/x/y'), items), { data: { op: 'create' } });
  });

  void it('400 naming the field when a value has the wrong type, without echoing the value', async () => {
    const d = new EngineDispatcher(recordingEngine([]));
    const m = d.match('config');
    assert.ok(m);
    await assert.rejects(
      d.handle(req('update', 'config', { name: 'a', max: 'hunter2' }), m),
      (err: unknown) => {
        assert.ok(err instanceof CofferError);
        assert.equal(err.code, ErrorCode.BadRequest);
        assert.match(err.message, /^Field validation failed: error converting input for field "max": /);
        assert.doesNotMatch(err.message, /hunter2/);
        return true;
      },
    );
    await rejectsWith(
      d.handle(req('update', 'config', { name: 'a', flag: 'maybe' }), m),
      ErrorCode.BadRequest,
      /field "flag"/,
    );
    await rejectsWith(
      d.handle(req('update', 'config', { name: 'a', ttl: '-5s' }), m),
      ErrorCode.BadRequest,
      /field "ttl": cannot provide negative value/,
    );
  });

  void it('400 when a required field is missing (or null)', async () => {
    const d = new EngineDispatcher(recordingEngine([]));
    const m = d.match('config');
    assert.ok(m);
    await rejectsWith(
      d.handle(req('update', 'config', {}), m),
      ErrorCode.BadRequest,
      /missing required field "name"/,
    );
    await rejectsWith(d.handle(req('update', 'config', { name: null }), m), ErrorCode.BadRequest, /"name"/);
  });

  void it('captures win over body keys and are reported as replaced; unknown keys are reported as ignored', async () => {
    const calls: Call[] = [];
    const d = new EngineDispatcher(recordingEngine(calls));
    const m = d.match('items/x/y');
    assert.ok(m);
    const resp = await d.handle(req('create', 'items/x/y', { name: 'body', zeta: 1, alpha: 2, value: 3 }), m);
    assert.deepEqual(calls[0]?.fields, { name: 'x', sub: 'y', value: 3 });
    assert.deepEqual(resp?.warnings, [
      'Endpoint ignored these unrecognized parameters: [alpha zeta]',
      "Endpoint replaced the value of these parameters with the values captured from the endpoint's path: [name]",
    ]);
  });

  void it('does not report unknown keys for takesArbitraryInput specs', async () => {
    const d = new EngineDispatcher(recordingEngine([], { takesArbitraryInput: true }));
    const m = d.match('items/x/y');
    assert.ok(m);
    const resp = await d.handle(req('create', 'items/x/y', { anything: 1 }), m);
    assert.equal(resp?.warnings, undefined);
  });

  void it('keeps handler warnings first, and adds none to raw or empty responses', async () => {
    const engine: Engine = {
      paths: [
        {
          pattern: 'w',
          fields: {},
          operations: {
            read: async () => ({ data: { a: 1 }, warnings: ['mine'] }),
            update: async () => undefined,
            delete: async () => ({ raw: { status: 404, contentType: 'application/json', body: '{}' } }),
          },
        },
      ],
    };
    const d = new EngineDispatcher(engine);
    const m = d.match('w');
    assert.ok(m);
    assert.deepEqual((await d.handle(req('read', 'w', { x: 1 }), m))?.warnings, [
      'mine',
      'Endpoint ignored these unrecognized parameters: [x]',
    ]);
    assert.equal(await d.handle(req('update', 'w', { x: 1 }), m), undefined);
    const raw = await d.handle(req('delete', 'w', { x: 1 }), m);
    assert.equal(raw?.warnings, undefined);
    assert.equal(raw?.raw?.status, 404);
  });

  void it('read returning undefined → NotFound with an empty message', async () => {
    const d = new EngineDispatcher({
      paths: [{ pattern: 'r', fields: {}, operations: { read: async () => undefined } }],
    });
    const m = d.match('r');
    assert.ok(m);
    await rejectsWith(d.handle(req('read', 'r'), m), ErrorCode.NotFound, '');
  });

  void it('list with no keys (undefined, missing or empty keys) → NotFound with an empty message', async () => {
    const responses = [undefined, { data: {} }, { data: { keys: [] } }];
    for (const r of responses) {
      const d = new EngineDispatcher({
        paths: [{ pattern: 'l/', fields: {}, operations: { list: async () => r } }],
      });
      const m = d.match('l/');
      assert.ok(m);
      await rejectsWith(d.handle(req('list', 'l/'), m), ErrorCode.NotFound, '');
    }
    const ok = new EngineDispatcher({
      paths: [{ pattern: 'l/', fields: {}, operations: { list: async () => ({ data: { keys: ['a'] } }) } }],
    });
    const m = ok.match('l/');
    assert.ok(m);
    assert.deepEqual(await ok.handle(req('list', 'l/'), m), { data: { keys: ['a'] } });
  });

  void it('propagates handler errors unchanged', async () => {
    const boom = new CofferError(ErrorCode.CasMismatch, 'nope');
    const d = new EngineDispatcher({
      paths: [
        {
          pattern: 'e',
          fields: {},
          operations: {
            read: async () => {
              throw boom;
            },
          },
        },
      ],
    });
    const m = d.match('e');
    assert.ok(m);
    await assert.rejects(d.handle(req('read', 'e'), m), (err: unknown) => err === boom);
  });
});
