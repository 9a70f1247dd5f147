#!/usr/bin/env bash
# Builds the embedded database engine (FerretDB with its SQLite backend) into .tools/bin
# when it is missing. The service starts it itself; this only makes sure the binary exists.
set -euo pipefail

VERSION="v1.24.2"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN_DIR="$ROOT/.tools/bin"
BIN="$BIN_DIR/ferretdb"
STAMP="$BIN_DIR/ferretdb.version"

build() {
  if [[ -x "$BIN" && -f "$STAMP" && "$(cat "$STAMP")" == "$VERSION" ]]; then
    return 0
  fi
  if ! command -v go >/dev/null 2>&1; then
    echo "ferretdb.sh: Go is needed to build FerretDB $VERSION (install Go 1.22+ or set MONGODB_URI)." >&2
    exit 1
  fi
  echo "Building FerretDB $VERSION into .tools/bin (first run only; this takes a few minutes)..." >&2
  mkdir -p "$BIN_DIR"
  # `go install pkg@version` builds an empty build/version/version.txt, and FerretDB refuses to
  # start without its version there; so build the module's source with that file written in.
  local src
  src="$(go mod download -json "github.com/FerretDB/FerretDB@$VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
  if [[ -z "$src" || ! -d "$src" ]]; then
    echo "ferretdb.sh: could not download github.com/FerretDB/FerretDB@$VERSION from the Go module proxy." >&2
    exit 1
  fi
  WORK="$(mktemp -d)"
  trap 'chmod -R u+w "$WORK" 2>/dev/null; rm -rf "$WORK"' EXIT
  cp -R "$src/." "$WORK/"
  chmod -R u+w "$WORK"
  echo "$VERSION" >"$WORK/build/version/version.txt"
  (cd "$WORK" && GOFLAGS="-buildvcs=false" CGO_ENABLED=0 go build -trimpath -o "$BIN.tmp" ./cmd/ferretdb)
  mv "$BIN.tmp" "$BIN"
  echo "$VERSION" >"$STAMP"
  echo "FerretDB $VERSION built: $BIN" >&2
}

case "${1:-build}" in
  build) build ;;
  path) echo "$BIN" ;;
  *)
    echo "usage: scripts/ferretdb.sh [build|path]" >&2
    exit 2
    ;;
esac
