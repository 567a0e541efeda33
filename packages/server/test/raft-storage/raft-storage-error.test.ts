import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LeadershipLostError, NotLeaderError, ProposalDroppedError, RaftNodeError } from '@coffer/raft';
import { httpErrorOf } from '../../src/errors/http-error-of.js';
import { RaftStorageError } from '../../src/raft-storage/raft-storage-error.js';

void describe('RaftStorageError', () => {
  void it('maps raft rejections to stable reasons and HTTP statuses', () => {
    const cases: readonly [Error, string, number, string][] = [
      [new NotLeaderError('n2', 'https://n2:8201'), 'not_leader', 503, 'n2'],
      [new NotLeaderError('', ''), 'not_leader', 503, ''],
      [new LeadershipLostError('n3'), 'outcome_unknown', 502, 'n3'],
      [new ProposalDroppedError('index taken'), 'unavailable', 503, ''],
      [new RaftNodeError('timeout', 'read index not confirmed'), 'unavailable', 503, ''],
      [new RaftNodeError('stopped', 'node stopped'), 'unavailable', 503, ''],
    ];
    for (const [raftError, reason, status, leader] of cases) {
      const mapped = RaftStorageError.fromRaft(raftError);
      assert.ok(mapped instanceof RaftStorageError, `${raftError.name} maps to a RaftStorageError`);
      assert.equal(mapped.reason, reason);
      assert.equal(mapped.leader, leader);
      assert.equal(mapped.cause, raftError);
      assert.equal(httpErrorOf(mapped).status, status);
      assert.equal(httpErrorOf(mapped).unexpected, false);
    }
    const leaderAddress = (
      RaftStorageError.fromRaft(new NotLeaderError('n2', 'https://n2:8201')) as RaftStorageError
    ).leaderAddress;
    assert.equal(leaderAddress, 'https://n2:8201');
  });

  void it('leaves other errors alone', () => {
    const other = new TypeError('x');
    assert.equal(RaftStorageError.fromRaft(other), other);
  });
});
