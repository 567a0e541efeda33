/** A fully decided HTTP answer: status, optional content type and body. */
export interface HttpReply {
  readonly status: number;
  readonly contentType?: string;
  /** Absent for 204 and HEAD answers. */
  readonly body?: string | Uint8Array;
  /** Extra response headers (e.g. `Location`, `Connection: close`). */
  readonly headers?: Readonly<Record<string, string>>;
}
