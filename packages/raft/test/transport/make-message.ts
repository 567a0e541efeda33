import { MessageType } from '../../src/core/types.js';
import type { Message } from '../../src/core/types.js';

/** A complete raft message with defaults for every field not given. */
export function makeMessage(fields: Partial<Message> & Pick<Message, 'from' | 'to'>): Message {
  return {
    type: MessageType.App,
    term: 1,
    index: 0,
    logTerm: 0,
    entries: [],
    commit: 0,
    reject: false,
    rejectHint: 0,
    hintTerm: 0,
    context: new Uint8Array(0),
    ...fields,
  };
}
