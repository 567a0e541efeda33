import type { IncomingMessage, ServerResponse } from 'node:http';

export type HttpListener = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * Runs pipelined requests of one connection one at a time, in arrival order: Node emits every
 * parsed request at once and would run their handlers concurrently, which RFC 9112 §9.3.2 only
 * allows for safe methods. The next request starts when the previous response finished or its
 * connection closed.
 */
export function serializePerConnection(handler: HttpListener): HttpListener {
  const queues = new WeakMap<object, (() => void)[]>();
  return (req, res) => {
    const socket = req.socket;
    const run = (): void => {
      let done = false;
      const finished = (): void => {
        if (done) return;
        done = true;
        res.off('finish', finished);
        res.off('close', finished);
        const queue = queues.get(socket);
        queue?.shift();
        const next = queue?.[0];
        if (next !== undefined) next();
        else queues.delete(socket);
      };
      res.on('finish', finished);
      res.on('close', finished);
      handler(req, res);
    };
    const queue = queues.get(socket);
    if (queue === undefined) {
      queues.set(socket, [run]);
      run();
    } else {
      queue.push(run);
    }
  };
}
