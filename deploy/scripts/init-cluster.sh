#!/bin/sh
# Initialises and unseals the three-node compose cluster (docker-compose.yml at the repository
# root), after `docker compose up -d`.
#
#   deploy/scripts/init-cluster.sh [-n SHARES] [-t THRESHOLD] [-f] KEYS_FILE
#
# 1. Waits until every node answers.
# 2. If the first node is not initialised: `coffer operator init` on it, the output (unseal keys
#    and initial root token) written straight to KEYS_FILE, created with mode 0600. An existing
#    KEYS_FILE is never overwritten unless -f is given.
#    If it is initialised already: the keys are read from KEYS_FILE (a file this script wrote).
# 3. Unseals the first node with THRESHOLD keys and waits until there is an active node (the first
#    node itself on a fresh cluster).
# 4. For each other node still sealed: waits until it has asked the cluster to join (retry_join)
#    or finds its own data (a restart), unseals it with the same keys, waits until it is unsealed.
# Run it again after a node restarts (it comes back sealed): it initialises nothing and unseals
# whatever is sealed.
# 5. Shows every node's status and the raft peers.
#
# Keys never appear on a command line or in the terminal: they go to the CLI inside the
# container on stdin (`coffer operator unseal -`). Needs only POSIX sh and docker compose v2 or
# docker-compose v1 on the host; the coffer CLI runs inside the containers.
#
# Environment:
#   COMPOSE        the compose command, e.g. "docker compose -p myproject" (default: `docker
#                  compose` if it works, else `docker-compose`). COMPOSE_FILE and
#                  COMPOSE_PROJECT_NAME are honoured by both. Without COMPOSE_FILE the script runs
#                  in the repository root, where docker-compose.yml is.
#   SERVICES       the nodes, first one initialised (default "coffer-1 coffer-2 coffer-3")
#   WAIT_SECONDS   how long to wait for each step (default 120)
set -eu

usage() {
  echo "usage: $0 [-n SHARES] [-t THRESHOLD] [-f] KEYS_FILE" >&2
  echo "  KEYS_FILE receives the unseal keys and the initial root token (mode 0600)." >&2
  exit 2
}

shares=5
threshold=3
force=0
while getopts n:t:fh opt; do
  case $opt in
    n) shares=$OPTARG ;;
    t) threshold=$OPTARG ;;
    f) force=1 ;;
    *) usage ;;
  esac
done
shift $((OPTIND - 1))
[ $# -eq 1 ] || usage
keys_file=$1
case $keys_file in
  /*) ;;
  *) keys_file=$(pwd)/$keys_file ;;
esac

services=${SERVICES:-"coffer-1 coffer-2 coffer-3"}
wait_seconds=${WAIT_SECONDS:-120}

if [ -z "${COMPOSE_FILE:-}" ]; then
  cd "$(dirname "$0")/../.."
fi
if [ -z "${COMPOSE:-}" ]; then
  if docker compose version >/dev/null 2>&1; then
    COMPOSE="docker compose"
  elif command -v docker-compose >/dev/null 2>&1; then
    COMPOSE="docker-compose"
  else
    echo "error: neither 'docker compose' nor 'docker-compose' works here" >&2
    exit 1
  fi
fi

say() { printf '==> %s %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() {
  printf 'error: %s\n' "$*" >&2
  exit 1
}

# The coffer CLI inside a node's container (talks to that node on 127.0.0.1). No client-side
# retries: this script polls by itself, and a sealed node answers some calls with 503.
coffer_in() {
  svc=$1
  shift
  # shellcheck disable=SC2086 # COMPOSE is a command with arguments
  $COMPOSE exec -T -e COFFER_MAX_RETRIES=0 "$svc" coffer "$@"
}

# wait_until DESCRIPTION COMMAND...: retries COMMAND (quietly) once a second.
wait_until() {
  what=$1
  shift
  i=0
  until "$@" >/dev/null 2>&1; do
    i=$((i + 1))
    [ "$i" -lt "$wait_seconds" ] || die "timed out after ${wait_seconds}s waiting for $what"
    sleep 1
  done
}

# `coffer status` exits 0 unsealed, 2 sealed, 1 when the node does not answer.
answers() {
  rc=0
  coffer_in "$1" status >/dev/null 2>&1 </dev/null || rc=$?
  [ "$rc" -eq 0 ] || [ "$rc" -eq 2 ]
}
unsealed() { coffer_in "$1" status </dev/null; }
initialized() { coffer_in "$1" operator init -status </dev/null; }
# Unsealed and following an active node (itself on a fresh cluster; another one after a restart).
has_active() { [ -n "$(coffer_in "$1" status -field=leader_address </dev/null 2>/dev/null)" ]; }
threshold_of() { coffer_in "$1" status -field=t </dev/null 2>/dev/null || true; }

# unseal SERVICE: feeds it the first THRESHOLD keys of KEYS_FILE on stdin, until it is unsealed.
unseal() {
  svc=$1
  need=$(threshold_of "$svc")
  case $need in '' | *[!0-9]*) die "cannot read the unseal threshold of $svc" ;; esac
  n=0
  for key in $(sed -n 's/^Unseal Key [0-9][0-9]*: //p' "$keys_file"); do
    [ "$n" -lt "$need" ] || break
    printf '%s\n' "$key" | coffer_in "$svc" operator unseal - >/dev/null || die "unsealing $svc failed (see above)"
    n=$((n + 1))
  done
  [ "$n" -ge "$need" ] || die "$keys_file holds $n unseal keys; $svc needs $need"
}

first=
for svc in $services; do
  [ -n "$first" ] || first=$svc
  say "waiting for $svc to answer"
  wait_until "$svc to answer" answers "$svc"
done

# `coffer operator init -status` exits 0 initialised, 2 not, anything else when it cannot tell.
init_rc=0
initialized "$first" >/dev/null 2>&1 || init_rc=$?
case $init_rc in
  0)
    [ -f "$keys_file" ] || die "$first is initialised already and $keys_file does not exist: give the keys file written when the cluster was initialised"
    say "$first is initialised already; using the keys in $keys_file"
    ;;
  2)
    if [ -e "$keys_file" ] && [ "$force" -ne 1 ]; then
      die "$keys_file exists: refusing to overwrite it (it may hold another cluster's keys); use -f or another path"
    fi
    # Written to a private temporary file first: an existing KEYS_FILE (-f) is replaced only
    # once the new keys are safely on disk.
    umask 077
    new_keys="$keys_file.new.$$"
    : >"$new_keys" || die "cannot create $new_keys"
    chmod 600 "$new_keys"
    say "initialising $first ($shares key shares, threshold $threshold)"
    if ! coffer_in "$first" operator init -key-shares="$shares" -key-threshold="$threshold" </dev/null >"$new_keys"; then
      rm -f "$new_keys"
      die "operator init on $first failed"
    fi
    grep -q '^Initial Root Token: ' "$new_keys" || die "operator init wrote no root token (output kept in $new_keys)"
    mv -f "$new_keys" "$keys_file" || die "cannot move the keys to $keys_file; they are in $new_keys"
    cat >&2 <<EOF

  WARNING: $keys_file now holds ALL the unseal keys and the initial root token, in plain text
  (mode 0600). Whoever reads it controls the cluster. Give each unseal key to a different
  person, revoke the root token once auth methods and policies are set up
  ("coffer token revoke -self"), and then delete the file (shred -u "$keys_file").

EOF
    ;;
  *) die "cannot tell whether $first is initialised (coffer operator init -status exited $init_rc)" ;;
esac

if unsealed "$first" >/dev/null 2>&1; then
  say "$first is unsealed already"
else
  say "unsealing $first"
  unseal "$first"
fi
wait_until "an active node (as seen by $first)" has_active "$first"

for svc in $services; do
  [ "$svc" != "$first" ] || continue
  if unsealed "$svc" >/dev/null 2>&1; then
    say "$svc is unsealed already"
    continue
  fi
  say "waiting for $svc to be ready for its keys (a join challenge from retry_join, or its own data after a restart)"
  wait_until "$svc to receive a join challenge" initialized "$svc"
  say "unsealing $svc"
  unseal "$svc"
  wait_until "$svc to be unsealed" unsealed "$svc"
done

for svc in $services; do
  say "status of $svc"
  coffer_in "$svc" status </dev/null || true
done
say "raft peers"
sed -n 's/^Initial Root Token: //p' "$keys_file" |
  $COMPOSE exec -T "$first" sh -c 'IFS= read -r COFFER_TOKEN && export COFFER_TOKEN && exec coffer operator raft list-peers' ||
  say "listing the peers failed (the root token in $keys_file may have been revoked)"
say "done: the cluster is initialised and unsealed"
