#!/bin/sh
# Install a real Matrix homeserver (Synapse) for the Matrix channel's tests, once.
#
# It goes into its own virtual environment under .peers/matrix/venv, never the project's:
# Synapse pins many packages of its own, and the app must not come to depend on them by
# accident. Running this again does nothing when the pinned version is already there.
# Starting a server is the tests' job (tests/support/matrix_peer.py): this only installs.
set -eu

SYNAPSE_VERSION="${SYNAPSE_VERSION:-1.163.2}"
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
DIR="$ROOT/.peers/matrix"
VENV="$DIR/venv"
PYTHON="${PYTHON:-python3}"

if [ -x "$VENV/bin/python" ] && "$VENV/bin/python" -c "
import sys
from importlib.metadata import version
sys.exit(0 if version('matrix-synapse') == '$SYNAPSE_VERSION' else 1)
" 2>/dev/null; then
    echo "matrix: Synapse $SYNAPSE_VERSION is installed in $VENV"
    exit 0
fi

if ! "$PYTHON" -c "import venv, ensurepip" 2>/dev/null; then
    echo "matrix: $PYTHON cannot make a virtual environment; install python3-venv" \
        "(apt-get install -y python3-venv) and run $0 again"
    exit 0
fi

mkdir -p "$DIR"
rm -rf "$VENV"
"$PYTHON" -m venv "$VENV"
"$VENV/bin/python" -m pip --disable-pip-version-check -q install "matrix-synapse==$SYNAPSE_VERSION"
"$VENV/bin/python" -c "import synapse; print('matrix: Synapse', synapse.__version__, 'installed in $VENV')"
