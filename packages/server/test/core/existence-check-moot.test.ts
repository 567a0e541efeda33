import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ACL, parsePolicy } from '../../src/acl/index.js';
import { existenceCheckMoot, type ExistenceCheckQuestion } from '../../src/core/existence-check-moot.js';
import type { PathSpec } from '../../src/logical/path-spec.js';
import type { TokenEntry } from '../../src/logical/token-entry.js';

const handler: NonNullable<PathSpec['operations']['update']> = async () => undefined;
const other: NonNullable<PathSpec['operations']['update']> = async () => ({ data: {} });

const spec = (operations: PathSpec['operations'], withCheck = true): PathSpec => ({
  pattern: 'data/(?<path>.+)',
  fields: {},
  operations,
  createSameAsUpdate: true,
  ...(withCheck ? { existenceCheck: async () => true } : {}),
});

const entry = (numUses = 0): TokenEntry => ({ numUses }) as unknown as TokenEntry;

const acl = (capabilities: string): ACL =>
  new ACL([parsePolicy('p', `path "secret/data/*" {\n capabilities = [${capabilities}]\n}`)]);

function question(overrides: Partial<ExistenceCheckQuestion> = {}): ExistenceCheckQuestion {
  return {
    operation: 'update',
    spec: spec({ update: handler }),
    acl: acl('"create", "update"'),
    entry: entry(),
    path: 'secret/data/a',
    data: { data: { k: 'v' } },
    rootProtected: false,
    wrapTtl: undefined,
    audited: false,
    ...overrides,
  };
}

void describe('existenceCheckMoot', () => {
  void it('is moot when one handler serves both and the ACL grants create and update alike', () => {
    assert.equal(existenceCheckMoot(question()), true);
    assert.equal(existenceCheckMoot(question({ operation: 'create' })), true);
    assert.equal(existenceCheckMoot(question({ spec: spec({ update: handler, create: handler }) })), true);
    assert.equal(existenceCheckMoot(question({ acl: new ACL([parsePolicy('root', '')]) })), true);
  });

  void it('runs the check when the ACL tells create from update', () => {
    assert.equal(existenceCheckMoot(question({ acl: acl('"update"') })), false);
    assert.equal(existenceCheckMoot(question({ acl: acl('"create"') })), false);
    assert.equal(existenceCheckMoot(question({ acl: acl('"read"') })), false);
  });

  void it('runs the check when audit devices record the operation, or the token has limited uses', () => {
    assert.equal(existenceCheckMoot(question({ audited: true })), false);
    assert.equal(existenceCheckMoot(question({ entry: entry(3) })), false);
  });

  void it('runs the check when create and update have different handlers, or there is none to skip', () => {
    assert.equal(existenceCheckMoot(question({ spec: spec({ update: handler, create: other }) })), false);
    assert.equal(existenceCheckMoot(question({ spec: spec({ update: handler }, false) })), false);
    assert.equal(existenceCheckMoot(question({ spec: spec({ create: handler }) })), false);
    assert.equal(existenceCheckMoot(question({ operation: 'read' })), false);
    assert.equal(existenceCheckMoot(question({ operation: 'delete' })), false);
    const undeclared = { ...spec({ update: handler }), createSameAsUpdate: false };
    assert.equal(existenceCheckMoot(question({ spec: undeclared })), false, 'a path must declare it');
  });
});
