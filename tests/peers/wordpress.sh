#!/bin/sh
# Makes sure a real WordPress can run on loopback for tests/core/test_channel_wordpress.py.
#
# WordPress comes from Debian's packages (with MariaDB and PHP's command-line server), so
# nothing is downloaded by hand and nothing is started as a service: tests/support/wordpress_peer.py
# runs a private copy of each in a temporary folder and stops them afterwards.
# As root with apt-get it installs what is missing, quietly. Otherwise it prints the exact
# command and exits 0, so the WordPress tests say what is missing and are skipped.
# Safe to run again: it does nothing when everything is there.
set -eu

PKGS="wordpress mariadb-server php-cli php-mysql php-curl php-xml php-mbstring curl"

if ! command -v dpkg-query >/dev/null 2>&1; then
  echo "The WordPress peer needs Debian's packages ($PKGS); this system has no dpkg, so it is skipped."
  exit 0
fi

missing=""
for pkg in $PKGS; do
  status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
  case "$status" in
    *"install ok installed"*) ;;
    *) missing="$missing $pkg" ;;
  esac
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing the WordPress peer's packages:$missing" >&2
  export DEBIAN_FRONTEND=noninteractive
  # tests/peers/setup.sh runs the peers' scripts side by side: wait for another apt-get's
  # lock instead of failing on it.
  wait_lock="-o DPkg::Lock::Timeout=600"
  tries=0
  # shellcheck disable=SC2086
  until apt-get $wait_lock update -qq >/dev/null; do
    tries=$((tries + 1))
    [ "$tries" -ge 20 ] && { echo "apt-get update kept failing; see above." >&2; exit 1; }
    sleep 5
  done
  # Debian would start MariaDB and Apache (on port 80, every address) as services on
  # install; the peer needs neither, so service starts are refused while installing.
  policy=/usr/sbin/policy-rc.d
  if [ ! -e "$policy" ]; then
    trap 'rm -f "$policy"' EXIT INT TERM
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 755 "$policy"
  fi
  # shellcheck disable=SC2086
  apt-get $wait_lock install -y -qq --no-install-recommends $missing >/dev/null
  exit 0
fi

echo "The WordPress tests need these packages:$missing"
echo "Install them with:"
echo "  sudo apt-get install -y --no-install-recommends$missing"
exit 0
