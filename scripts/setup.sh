#!/usr/bin/env bash
# Installs what rafdir needs on a fresh machine: npm packages, and pinned restic + resticprofile built from source
# with the Go toolchain into .tools/bin. Idempotent: does nothing when the right versions are already there.
set -euo pipefail
cd "$(dirname "$0")/.."

RESTIC_VERSION=0.19.1
RESTICPROFILE_VERSION=0.33.1
TOOLS="$PWD/.tools"
BIN="$TOOLS/bin"
mkdir -p "$BIN"

log() { printf '[setup] %s\n' "$*"; }

need_cmd() {
  if ! command -v "$1" >/dev/null 2>&1; then
    log "installing Debian package $2 (for $1)"
    if [ -z "${APT_UPDATED:-}" ]; then apt-get update -qq; APT_UPDATED=1; fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null
  fi
}

# Tools the sandbox kubelet uses to run containers in private mount namespaces.
need_cmd unshare util-linux
need_cmd nsenter util-linux
need_cmd mount mount
need_cmd go golang-go
command -v kubectl >/dev/null || log "warning: kubectl is not installed; the kubectl e2e tests will fail"

# restic: `go install` at the pinned tag.
if [ "$("$BIN/restic" version 2>/dev/null | awk '{print $2}')" != "$RESTIC_VERSION" ]; then
  log "building restic $RESTIC_VERSION"
  GOBIN="$BIN" GOFLAGS=-buildvcs=false go install "github.com/restic/restic/cmd/restic@v$RESTIC_VERSION"
fi

# resticprofile: `go install` at the pinned tag. Its binary reports 0.34.0-dev at this tag (see docs/adr/0002),
# so a stamp file records what was built. When the module proxy refuses the deprecation lookup that
# `go install pkg@version` makes, the same module version is fetched with `go mod download` and built from it.
if [ "$(cat "$TOOLS/resticprofile.version" 2>/dev/null)" != "$RESTICPROFILE_VERSION" ] || [ ! -x "$BIN/resticprofile" ]; then
  log "building resticprofile $RESTICPROFILE_VERSION"
  if ! GOBIN="$BIN" GOFLAGS=-buildvcs=false go install "github.com/creativeprojects/resticprofile@v$RESTICPROFILE_VERSION" 2>"$TOOLS/resticprofile-install.log"; then
    log "go install refused ($(tail -n 1 "$TOOLS/resticprofile-install.log")); building the module from go mod download"
    dir=$(cd "$TOOLS" && go mod download -json "github.com/creativeprojects/resticprofile@v$RESTICPROFILE_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
    (cd "$dir" && GOFLAGS="-mod=mod -buildvcs=false" go build -o "$BIN/resticprofile" .)
  fi
  echo "$RESTICPROFILE_VERSION" > "$TOOLS/resticprofile.version"
fi

# npm packages, exactly as locked.
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  log "installing npm packages"
  npm ci --no-audit --no-fund --loglevel=error
fi

log "ready: $("$BIN/restic" version | cut -d' ' -f1-2), resticprofile $(cat "$TOOLS/resticprofile.version"), node $(node --version)"
