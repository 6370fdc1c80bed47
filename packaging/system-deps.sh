#!/bin/sh
# Makes sure the system libraries OutageTray needs are present.
#   packaging/system-deps.sh run    what the app needs to show its tray icon and window
#   packaging/system-deps.sh test   what the test suite needs on top
# As root with apt-get (CI, a fresh Debian box) it installs what is missing.
# Otherwise it prints the exact command to run and fails, so nothing half-works.
set -eu

RUN_PKGS="libegl1 libgl1 libxkbcommon0 libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 \
libxcb-shape0 libxcb-xinerama0 libxcb-randr0 libxcb-render-util0 libxcb-image0 libfontconfig1 \
libdbus-1-3 fonts-dejavu-core libnotify-bin"
TEST_PKGS="xvfb xauth dbus dbus-x11 dunst trayer xdotool x11-utils imagemagick desktop-file-utils appstream"

case "${1:-run}" in
  run) wanted="$RUN_PKGS" ;;
  test) wanted="$RUN_PKGS $TEST_PKGS" ;;
  *) echo "usage: $0 run|test" >&2; exit 2 ;;
esac

PYTHON=${PYTHON:-python3}
if ! command -v "$PYTHON" >/dev/null 2>&1; then
  echo "OutageTray needs Python 3.11 or newer ($PYTHON was not found)." >&2
  exit 1
fi
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
  echo "OutageTray needs Python 3.11 or newer; $PYTHON is $("$PYTHON" -V 2>&1)." >&2
  exit 1
fi

if ! command -v dpkg-query >/dev/null 2>&1; then
  # Not Debian or Ubuntu: we cannot check packages by name; Qt will say what it misses.
  exit 0
fi

missing=""
for pkg in $wanted; do
  status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
  case "$status" in
    *"install ok installed"*) ;;
    *) missing="$missing $pkg" ;;
  esac
done
if ! "$PYTHON" -m venv --help >/dev/null 2>&1 || ! "$PYTHON" -c 'import ensurepip' >/dev/null 2>&1; then
  missing="$missing python3-venv"
fi
[ -z "$missing" ] && exit 0

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing system packages:$missing" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  # shellcheck disable=SC2086
  apt-get install -y -qq --no-install-recommends $missing >/dev/null
  exit 0
fi
echo "OutageTray needs these system packages first:$missing" >&2
echo "Install them with:" >&2
echo "  sudo apt-get install$missing" >&2
exit 1
