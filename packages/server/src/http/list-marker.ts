/**
 * The header the LIST shim adds when it rewrites a `LIST` request line to `GET`. The shim
 * strips any client-sent copy, so behind the shim its presence means "the client sent LIST".
 * Without the shim it is merely equivalent to `?list=true` (both need the `list` capability).
 */
export const LIST_MARKER_HEADER = 'x-coffer-list-verb';
