#!/usr/bin/env bash
# Makes sure Debian's chromium is installed at /usr/bin/chromium for the browser tests.
# playwright-core drives it; Playwright's own browser downloads are never used. DejaVu gives
# the screenshots real glyphs on a machine without fonts.
set -euo pipefail

if [[ -x /usr/bin/chromium ]]; then
  exit 0
fi
if [[ "$(id -u)" != "0" ]]; then
  echo "chromium.sh: /usr/bin/chromium is missing; run as root (or install Debian's chromium package)." >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
# The package lists may be empty or stale on a fresh machine: update once, then install.
if ! apt-get install -y --no-install-recommends chromium fonts-dejavu-core >/dev/null 2>&1; then
  apt-get update
  apt-get install -y --no-install-recommends chromium fonts-dejavu-core
fi
echo "chromium.sh: installed $(/usr/bin/chromium --version 2>/dev/null)" >&2
