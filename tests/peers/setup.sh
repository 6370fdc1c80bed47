#!/bin/sh
# Installs the real peers the sending tests talk to (WordPress, a Bluesky PDS, Synapse), all at once.
# Each tests/peers/<name>.sh is idempotent: quick when its peer is already in .peers/<name>/.
# As root they install what is missing; elsewhere they say what is missing, and those tests skip.
# (`make unit` then sets OUTAGETRAY_REQUIRE_PEERS=1 as root, so a peer that should be there and is
# not fails its tests instead of skipping them.) Each script's output is kept in .peers/<name>.setup.log.
set -u
cd "$(dirname "$0")/../.."
mkdir -p .peers
pids=""
for script in tests/peers/*.sh; do
  [ "$script" = tests/peers/setup.sh ] && continue
  name=$(basename "$script" .sh)
  shell=sh  # each script runs in the shell its first line names
  case $(head -n 1 "$script") in *bash*) shell=bash ;; esac
  "$shell" "$script" >".peers/$name.setup.log" 2>&1 &
  pids="$pids $!:$name"
done
failed=""
for entry in $pids; do
  pid=${entry%%:*}
  name=${entry#*:}
  if ! wait "$pid"; then
    failed="$failed $name"
    echo "Setting up the $name test peer failed; the end of .peers/$name.setup.log says why:" >&2
    tail -n 15 ".peers/$name.setup.log" >&2
  fi
done
[ -z "$failed" ] || exit 1
exit 0
