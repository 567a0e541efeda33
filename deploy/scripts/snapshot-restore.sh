#!/bin/sh
# Restores a Coffer cluster from a snapshot file, after verifying the file.
#
#   deploy/scripts/snapshot-restore.sh [-y] [-force] [-v] FILE
#
#   -y      do not ask for confirmation (required when stdin is not a terminal)
#   -force  restore a snapshot taken on another cluster (sys/storage/raft/snapshot-force): every
#           node seals afterwards and unseals only with the keys of the cluster the snapshot
#           came from
#   -v      print the snapshot's description and the CLI's output
#
# Environment: VAULT_ADDR / VAULT_TOKEN (or COFFER_ADDR / COFFER_TOKEN) as for the CLI;
# COFFER_BIN: the CLI command (default `coffer` on PATH, else `npx coffer`).
#
# The file is verified completely (every checksum) before anything is sent; the server verifies
# it again before changing any state. Exit status 0 on success, non-zero on any failure or when
# the operator declines.
set -u

yes=0
force=0
verbose=0

usage() {
  echo "usage: $0 [-y] [-force] [-v] FILE" >&2
  exit 2
}

while [ $# -gt 0 ]; do
  case "$1" in
    -y) yes=1 ;;
    -force | --force) force=1 ;;
    -v) verbose=1 ;;
    --) shift; break ;;
    -*) usage ;;
    *) break ;;
  esac
  shift
done
[ $# -eq 1 ] || usage
file=$1
[ -f "$file" ] || { echo "$0: $file: no such file" >&2; exit 1; }

if [ -n "${COFFER_BIN:-}" ]; then
  coffer=$COFFER_BIN
elif command -v coffer >/dev/null 2>&1; then
  coffer=coffer
else
  coffer='npx --no-install coffer'
fi

out=$(mktemp "${TMPDIR:-/tmp}/snapshot-restore.XXXXXX") || exit 1
trap 'rm -f "$out"' EXIT INT TERM

# shellcheck disable=SC2086 # COFFER_BIN may be a command with arguments
if ! $coffer operator raft snapshot inspect "$file" >"$out" 2>&1; then
  echo "$0: $file does not verify; nothing was restored:" >&2
  cat "$out" >&2
  exit 1
fi
[ "$verbose" -eq 1 ] && cat "$out" >&2

if [ "$yes" -ne 1 ]; then
  if [ ! -t 0 ]; then
    echo "$0: refusing to restore without confirmation: stdin is not a terminal (use -y)" >&2
    exit 1
  fi
  what="the data of the cluster at ${COFFER_ADDR:-${VAULT_ADDR:-https://127.0.0.1:8200}}"
  [ "$force" -eq 1 ] && what="$what (forced: the cluster will seal and unseal only with the snapshot's keys)"
  printf 'Replace %s with %s? [y/N] ' "$what" "$file" >&2
  read -r answer || answer=
  case "$answer" in
    y | Y | yes | YES) ;;
    *) echo "$0: not restored" >&2; exit 1 ;;
  esac
fi

flag=
[ "$force" -eq 1 ] && flag=-force
# shellcheck disable=SC2086
if ! $coffer operator raft snapshot restore -progress=false $flag "$file" >"$out" 2>&1; then
  echo "$0: restore failed:" >&2
  cat "$out" >&2
  exit 1
fi
[ "$verbose" -eq 1 ] && cat "$out" >&2
exit 0
