/**
 * What a client is told about a wrapped response (Vault's `wrap_info`): the single-use wrapping
 * token and its accessor, TTL seconds, creation time (RFC 3339) and path, and the accessor of the
 * token (or AppRole secret ID) inside the wrapped response, when there is one.
 */
export interface WrapInfo {
  /** The wrapping token itself: returned to the client once, never logged in plaintext. */
  readonly token: string;
  readonly accessor: string;
  readonly ttl: number;
  readonly creationTime: string;
  readonly creationPath: string;
  readonly wrappedAccessor?: string;
}

/** `wrap_info` as it goes on the wire (`wrapped_accessor` only when there is one). */
export function wireWrapInfo(info: WrapInfo): Record<string, unknown> {
  return {
    token: info.token,
    accessor: info.accessor,
    ttl: info.ttl,
    creation_time: info.creationTime,
    creation_path: info.creationPath,
    ...(info.wrappedAccessor === undefined || info.wrappedAccessor === ''
      ? {}
      : { wrapped_accessor: info.wrappedAccessor }),
  };
}
