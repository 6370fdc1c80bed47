#!/usr/bin/env bash
# Installs the Bluesky peer (a PDS and a PLC directory, from npm) into .peers/bluesky/ for the
# channel tests. Idempotent: when node_modules already came from this very package.json, it does
# nothing, because the install takes minutes (better-sqlite3 compiles every time).
# Where node or npm is missing it says what to install and exits 0, so `make peers` goes on.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
dest="$root/.peers/bluesky"
src="$here/bluesky/package.json"

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "bluesky peer: installing nodejs and npm"
        apt-get install -y --no-install-recommends nodejs npm
    else
        echo "bluesky peer: node and npm are missing; install Node.js 20 (apt-get install nodejs npm), then run $0 again"
        exit 0
    fi
fi
major="$(node -p 'process.versions.node.split(".")[0]')"
if [ "$major" -lt 18 ] || { [ "$major" -eq 18 ] && [ "$(node -p 'process.versions.node.split(".")[1]')" -lt 7 ]; }; then
    echo "bluesky peer: Node.js $(node --version) is too old for @atproto/pds 0.4.217; install Node.js 20, then run $0 again"
    exit 0
fi

# The stamp names the package.json and the Node.js version: better-sqlite3 is compiled for one.
want="$( (cat "$src"; node --version) | sha256sum | cut -d' ' -f1)"
stamp="$dest/node_modules/.outagetray-package.sha256"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    echo "bluesky peer: already installed in $dest"
    exit 0
fi

mkdir -p "$dest"
cp "$src" "$dest/package.json"
rm -f "$stamp"
echo "bluesky peer: npm install into $dest (about 3 minutes)"
(cd "$dest" && npm install --no-audit --no-fund --omit=dev --loglevel=error)
# The stamp is written last: an interrupted install is redone next time.
echo "$want" > "$stamp"
echo "bluesky peer: installed in $dest"
