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
  apt-get update -qq >/dev/null
  # Debian would start MariaDB and Apache as services on install; the peer needs neither.
  policy=/usr/sbin/policy-rc.d
  planted=""
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 755 "$policy" && planted=1
  fi
  rc=0
  # shellcheck disable=SC2086
  apt-get install -y -qq --no-install-recommends $missing >/dev/null || rc=$?
  if [ -n "$planted" ]; then rm -f "$policy"; fi
  exit "$rc"
fi

echo "The WordPress tests need these packages:$missing"
echo "Install them with:"
echo "  sudo apt-get install -y --no-install-recommends$missing"
exit 0
