#!/bin/sh
# Saves a snapshot of a Coffer cluster into a directory, verifies it, and keeps the newest N.
#
#   deploy/scripts/snapshot-save.sh [-k N] [-p PREFIX] [-v] DIR
#
#   -k N       keep the newest N snapshots named PREFIX-*.snap in DIR (default 7); older ones are
#              deleted, only after the new one was saved and verified
#   -p PREFIX  file name prefix (default coffer): DIR/PREFIX-YYYYmmddTHHMMSSZ.snap (UTC; names sort by time)
#   -v         say what happens (default: silent unless something fails — cron mails stderr)
#
# Environment: the address and token as for the CLI: VAULT_ADDR / VAULT_TOKEN (or COFFER_ADDR /
# COFFER_TOKEN, which win), plus VAULT_CACERT etc.; COFFER_BIN: the CLI command (default
# `coffer` on PATH, else `npx coffer`). Needs only POSIX sh; no terminal.
#
# Exit status: 0 when the new snapshot is saved and verified (and retention applied); non-zero on
# any failure, in which case no new PREFIX-*.snap file is left behind (the CLI writes to a
# temporary file and renames it only once complete and verified).
#
# Cron example (every hour, keep two days):
#   0 * * * *  VAULT_ADDR=https://coffer.example:8200 VAULT_TOKEN="$(cat /etc/coffer/snapshot.token)" /opt/coffer/deploy/scripts/snapshot-save.sh -k 48 /var/backups/coffer
set -u

keep=7
prefix=coffer
verbose=0

usage() {
  echo "usage: $0 [-k N] [-p PREFIX] [-v] DIR" >&2
  exit 2
}

while getopts k:p:v opt; do
  case "$opt" in
    k) keep=$OPTARG ;;
    p) prefix=$OPTARG ;;
    v) verbose=1 ;;
    *) usage ;;
  esac
done
shift $((OPTIND - 1))
[ $# -eq 1 ] || usage
dir=$1

case "$keep" in
  '' | *[!0-9]*) echo "$0: -k needs a positive integer" >&2; exit 2 ;;
esac
[ "$keep" -ge 1 ] || { echo "$0: -k needs a positive integer" >&2; exit 2; }
case "$prefix" in
  '' | */* | *' '*) echo "$0: -p needs a plain file name prefix" >&2; exit 2 ;;
esac

log() {
  [ "$verbose" -eq 1 ] && echo "$*" >&2
  return 0
}

if [ -n "${COFFER_BIN:-}" ]; then
  coffer=$COFFER_BIN
elif command -v coffer >/dev/null 2>&1; then
  coffer=coffer
else
  coffer='npx --no-install coffer'
fi

mkdir -p "$dir" || { echo "$0: cannot create $dir" >&2; exit 1; }

stamp=$(date -u +%Y%m%dT%H%M%SZ) || exit 1
file="$dir/$prefix-$stamp.snap"
# Names must sort by time: within the same second, wait for the next one.
while [ -e "$file" ]; do
  sleep 1
  stamp=$(date -u +%Y%m%dT%H%M%SZ) || exit 1
  file="$dir/$prefix-$stamp.snap"
done

err=$(mktemp "${TMPDIR:-/tmp}/snapshot-save.XXXXXX") || exit 1
trap 'rm -f "$err"' EXIT INT TERM

log "saving a snapshot to $file"
# shellcheck disable=SC2086 # COFFER_BIN may be a command with arguments
if ! $coffer operator raft snapshot save -progress=false "$file" >"$err" 2>&1; then
  echo "$0: snapshot save failed:" >&2
  cat "$err" >&2
  rm -f "$file"
  exit 1
fi
[ "$verbose" -eq 1 ] && cat "$err" >&2

log "verifying $file"
# shellcheck disable=SC2086
if ! $coffer operator raft snapshot inspect "$file" >"$err" 2>&1; then
  echo "$0: $file does not verify; deleted:" >&2
  cat "$err" >&2
  rm -f "$file"
  exit 1
fi
[ "$verbose" -eq 1 ] && cat "$err" >&2

# Retention: file names sort by time (UTC stamps).
set -- "$dir/$prefix"-*.snap
count=$#
if [ "$count" -gt "$keep" ] && [ -e "$1" ]; then
  excess=$((count - keep))
  for old in "$@"; do
    [ "$excess" -gt 0 ] || break
    [ "$old" = "$file" ] && continue
    log "removing $old"
    rm -f "$old" || { echo "$0: cannot remove $old" >&2; exit 1; }
    excess=$((excess - 1))
  done
fi

log "done: $file"
exit 0
