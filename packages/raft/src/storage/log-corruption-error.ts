/**
 * The log store found bytes it cannot trust (checksum mismatch, gap, undecodable record). A node
 * whose log is corrupt must not start: it could vote or acknowledge on the basis of lost state.
 */
export class LogCorruptionError extends Error {
  readonly code = 'raft_log_corrupt';
  /** Where the corruption was found: an entry index, or a metadata key name. */
  readonly location: string;

  constructor(location: string, detail: string) {
    super(`raft log corrupt at ${location}: ${detail}`);
    this.name = 'LogCorruptionError';
    this.location = location;
  }
}
