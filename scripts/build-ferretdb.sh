#!/usr/bin/env bash
# Build the embedded FerretDB dev/test server (gateway/ferretdb) into
#   gateway/ferretdb/bin/ferretdb-embedded
#
# Needs only Go (>= 1.24, or any Go >= 1.21 with GOTOOLCHAIN=auto, which then
# fetches go1.24 from the module proxy) and access to the Go module proxy.
# Dependencies are pinned by the committed go.mod/go.sum.
#
# Idempotent: skips the build when the binary is newer than every source file.
#   scripts/build-ferretdb.sh           # build if needed
#   scripts/build-ferretdb.sh --force   # always rebuild
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
src="$root/gateway/ferretdb"
out="$src/bin/ferretdb-embedded"
self="$root/scripts/build-ferretdb.sh"

force=0
[[ "${1:-}" == "--force" ]] && force=1

if ! command -v go >/dev/null 2>&1; then
  echo "build-ferretdb: 'go' not found in PATH (install Go >= 1.24)" >&2
  exit 1
fi

# Up to date = binary exists and no *.go / go.mod / go.sum (nor this script) is newer.
if [[ $force -eq 0 && -x "$out" ]]; then
  newer="$(find "$src" -path "$src/bin" -prune -o \
    \( -name '*.go' -o -name 'go.mod' -o -name 'go.sum' \) -newer "$out" -print -quit)"
  if [[ -z "$newer" && ! "$self" -nt "$out" ]]; then
    echo "build-ferretdb: $out is up to date"
    exit 0
  fi
fi

echo "build-ferretdb: building $out (first build downloads modules and compiles SQLite: ~2-3 min)"
start=$(date +%s)

mkdir -p "$src/bin"
cd "$src"
# CGO_ENABLED=0: modernc.org/sqlite is pure Go, so the binary is static.
# -mod=readonly: use exactly the committed go.sum (fail instead of silently editing it).
# -buildvcs=false: the repo may have no commits / no git at all.
# Build to a temp file and rename, so an interrupted build never leaves a
# truncated binary that looks up to date.
CGO_ENABLED=0 GOFLAGS="${GOFLAGS:-} -mod=readonly -buildvcs=false" \
  go build -trimpath -ldflags='-s -w' -o "$out.tmp" .
mv -f "$out.tmp" "$out"

end=$(date +%s)
size=$(du -h "$out" | cut -f1)
echo "build-ferretdb: built $out ($size) in $((end - start))s"
