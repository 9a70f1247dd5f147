#!/usr/bin/env bash
# Makes sure Debian's redis-server is installed, for the multi-instance (Redis adapter) tests and
# the fan-out bench. The tests start their own redis-server on a free port; this only installs it.
set -euo pipefail

install() {
  if command -v redis-server >/dev/null 2>&1; then
    return 0
  fi
  if [[ "$(id -u)" != "0" ]]; then
    echo "redis.sh: redis-server is missing; install it (apt-get install redis-server) as root." >&2
    exit 1
  fi
  echo "Installing redis-server from Debian (first run only)..." >&2
  export DEBIAN_FRONTEND=noninteractive
  # A fresh image has no package lists yet: refresh them once and retry.
  if ! apt-get install -y --no-install-recommends redis-server; then
    apt-get update
    apt-get install -y --no-install-recommends redis-server
  fi
  # The package may start a system-wide server on 6379; the tests never use it.
  command -v redis-server >/dev/null 2>&1 || {
    echo "redis.sh: redis-server still missing after the install." >&2
    exit 1
  }
}

case "${1:-install}" in
  install) install ;;
  path) command -v redis-server ;;
  *)
    echo "usage: scripts/redis.sh [install|path]" >&2
    exit 2
    ;;
esac
