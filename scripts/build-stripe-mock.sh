#!/usr/bin/env bash
# Build stripe-mock (Stripe's own mock of its REST API, validated against Stripe's
# OpenAPI spec) for the test stack, into
#   .tools/bin/stripe-mock            (git-ignored)
#
# Needs only Go and access to the Go module proxy: `go install` of a pinned tag.
# stripe-mock is stateless (fixture responses, no declines); the tests use it to check
# that the Stripe adapter speaks the real API (paths, form fields, headers).
#
# Idempotent: skips the build when the binary of the pinned version is already there.
#   scripts/build-stripe-mock.sh           # build if needed
#   scripts/build-stripe-mock.sh --force   # always rebuild
set -euo pipefail

VERSION="v0.203.0"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bindir="$root/.tools/bin"
out="$bindir/stripe-mock"
stamp="$bindir/stripe-mock.version"

force=0
[[ "${1:-}" == "--force" ]] && force=1

if ! command -v go >/dev/null 2>&1; then
  echo "build-stripe-mock: 'go' not found in PATH" >&2
  exit 1
fi

if [[ $force -eq 0 && -x "$out" && "$(cat "$stamp" 2>/dev/null)" == "$VERSION" ]]; then
  echo "build-stripe-mock: $out ($VERSION) is up to date"
  exit 0
fi

echo "build-stripe-mock: go install github.com/stripe/stripe-mock@$VERSION (first build ~1 min)"
start=$(date +%s)
mkdir -p "$bindir"
# Install into a temp dir and rename, so an interrupted build never leaves a binary
# that looks up to date. -buildvcs=false: no VCS stamping needed for a module download.
tmp="$(mktemp -d "$bindir/.build.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
CGO_ENABLED=0 GOBIN="$tmp" GOFLAGS="${GOFLAGS:-} -buildvcs=false" \
  go install -trimpath -ldflags='-s -w' "github.com/stripe/stripe-mock@$VERSION"
mv -f "$tmp/stripe-mock" "$out"
echo "$VERSION" > "$stamp"

end=$(date +%s)
echo "build-stripe-mock: built $out ($(du -h "$out" | cut -f1)) in $((end - start))s"
