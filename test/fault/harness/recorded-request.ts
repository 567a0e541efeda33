/**
 * Sends one HTTP request and records it as one history operation. The answer is mapped by the
 * workload's `interpret` (e.g. a read's 404 = absent); transport errors become `info`, except a
 * refused connect: it never reached the node, so it is a definite failure that is not recorded at
 * all (a dead node would otherwise add thousands of trivial `fail` ops to the history).
 */
import type { Completion, HistoryRecorder, Operation } from '../checker/index.js';
import { outcomeOfStatus } from '../checker/index.js';
import { refusedBeforeSending, type HttpAnswer, type NodeClient } from './node-client.js';

export interface RecordedAnswer {
  /** False when the connect was refused: nothing was sent and nothing recorded (a definite failure). */
  readonly recorded: boolean;
  readonly completion: Completion;
  /** The HTTP answer, when there was one. */
  readonly answer: HttpAnswer | undefined;
}

/** The default mapping: status → outcome, with the API's error text kept for people. */
export function completionOfStatus(res: HttpAnswer): Completion {
  const outcome = outcomeOfStatus(res.status);
  return outcome === 'ok'
    ? { outcome }
    : { outcome, error: `HTTP ${res.status} ${JSON.stringify(res.body?.['errors'] ?? '')}` };
}

export async function recordedRequest(
  recorder: HistoryRecorder,
  process: string,
  client: NodeClient,
  op: Operation,
  request: { readonly method: string; readonly path: string; readonly body?: unknown },
  interpret: (res: HttpAnswer) => Completion = completionOfStatus,
): Promise<RecordedAnswer> {
  const pending = recorder.invoke(process, op, client.node.id);
  let completion: Completion;
  let answer: HttpAnswer | undefined;
  try {
    answer = await client.send(request.method, request.path, request.body);
    completion = interpret(answer);
  } catch (e) {
    const error = e instanceof Error ? e.message : String(e);
    if (refusedBeforeSending(e)) {
      recorder.discard(pending);
      return { recorded: false, completion: { outcome: 'fail', error }, answer: undefined };
    }
    completion = { outcome: 'info', error };
  }
  recorder.complete(pending, completion);
  return { recorded: true, completion, answer };
}
