#!/usr/bin/env bash
# Build toxiproxy-server (Shopify's latency/fault-injecting TCP proxy) for the bench and the
# latency tests, into (git-ignored)
#   .tools/bin/toxiproxy-server
#
# Needs only Go and access to the Go module proxy: `go install` of a pinned tag (v2.5.0 is the
# newest tag the proxy serves). Kernel netem is not available on these machines; Toxiproxy
# needs no privileges. scripts/lib/latency.ts starts it and drives its HTTP API.
#
# Idempotent: skips the build when the binary of the pinned version is already there.
#   scripts/build-toxiproxy.sh           # build if needed
#   scripts/build-toxiproxy.sh --force   # always rebuild
set -euo pipefail

VERSION="v2.5.0"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bindir="$root/.tools/bin"
out="$bindir/toxiproxy-server"
stamp="$bindir/toxiproxy-server.version"

force=0
[[ "${1:-}" == "--force" ]] && force=1

if ! command -v go >/dev/null 2>&1; then
  echo "build-toxiproxy: 'go' not found in PATH" >&2
  exit 1
fi

if [[ $force -eq 0 && -x "$out" && "$(cat "$stamp" 2>/dev/null)" == "$VERSION" ]]; then
  echo "build-toxiproxy: $out ($VERSION) is up to date"
  exit 0
fi

echo "build-toxiproxy: go install github.com/Shopify/toxiproxy/v2/cmd/server@$VERSION"
start=$(date +%s)
mkdir -p "$bindir"
tmp="$(mktemp -d "$bindir/.build.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
CGO_ENABLED=0 GOBIN="$tmp" GOFLAGS="${GOFLAGS:-} -buildvcs=false" \
  go install -trimpath -ldflags='-s -w' "github.com/Shopify/toxiproxy/v2/cmd/server@$VERSION"
mv -f "$tmp/server" "$out"
echo "$VERSION" > "$stamp"

end=$(date +%s)
echo "build-toxiproxy: built $out ($(du -h "$out" | cut -f1)) in $((end - start))s"
