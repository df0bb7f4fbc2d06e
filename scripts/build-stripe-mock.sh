#!/usr/bin/env bash
# Build stripe-mock (Stripe's own mock of its REST API, validated against Stripe's
# OpenAPI spec) for the test stack, into (git-ignored)
#   .tools/bin/stripe-mock
#   .tools/share/stripe-mock/fixtures3.json   its bundled fixtures, which
#                                             scripts/lib/stripe-mock.ts adjusts
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
fixtures="$root/.tools/share/stripe-mock/fixtures3.json"

force=0
[[ "${1:-}" == "--force" ]] && force=1

if ! command -v go >/dev/null 2>&1; then
  echo "build-stripe-mock: 'go' not found in PATH" >&2
  exit 1
fi

if [[ $force -eq 0 && -x "$out" && -f "$fixtures" && "$(cat "$stamp" 2>/dev/null)" == "$VERSION" ]]; then
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
# The module's source (with its fixtures) is in the module cache after the install.
dir="$(go mod download -json "github.com/stripe/stripe-mock@$VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
mkdir -p "$(dirname "$fixtures")"
cp "$dir/embedded/openapi/fixtures3.json" "$fixtures"
chmod u+w "$fixtures"
mv -f "$tmp/stripe-mock" "$out"
echo "$VERSION" > "$stamp"

end=$(date +%s)
echo "build-stripe-mock: built $out ($(du -h "$out" | cut -f1)) in $((end - start))s"
