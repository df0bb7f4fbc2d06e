#!/usr/bin/env bash
# The local engine behind `npm run dev`, `npm test`, `npm run bench` and `.ci/run`:
# Debian's PostgreSQL 15 with DocumentDB 0.107 (+ pgvector 0.8.0, pg_cron 1.6.3, libbson 1.28.0
# static) built from the tarballs in vendor/, and FerretDB v2.7.0 from the Go module proxy.
#
#   bash scripts/build-engine.sh            # install what is missing (a built machine: well under a second)
#   bash scripts/build-engine.sh --force    # rebuild and reinstall everything
#   bash scripts/build-engine.sh --check    # exit 0 when installed, 1 otherwise; no output, no build
#
# Cold, on Debian bookworm as root (~4-5 min on 2 cores): apt packages (~360 MiB: PostgreSQL 15,
# PostGIS, RUM, the Intel decimal library, compilers; ~1 min), the builds (~2 min, DocumentDB
# most of it), `go install` of FerretDB (~2 min with empty Go caches; without a Go, a toolchain
# comes from the module proxy).
# The extensions go into Debian's PostgreSQL directories (/usr/lib/postgresql/15, needs root);
# FerretDB into .tools/ferretdb-<version>/ (git-ignored).
#
# Cached: a stamp keyed on the vendored files' hashes, FerretDB's version and this recipe's
# revision (/var/lib/ecommerce-edge/engine.stamp for the extensions, machine-wide like them;
# .tools/engine.stamp for the checkout), and each installed .so/.control file is checked.
# Not root, or not Debian/Ubuntu with PostgreSQL 15 packages: prints the command that installs
# it and how to use servers of one's own instead, then exits 2.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENDOR="$ROOT/vendor"
TOOLS="$ROOT/.tools"
FERRETDB_VERSION=v2.7.0
GO_BOOTSTRAP_VERSION=1.25.4 # FerretDB v2.7.0's go.mod asks for go1.25
RECIPE=1                    # bump when the steps below change what gets installed
PG_MAJOR=15
PGBIN=/usr/lib/postgresql/$PG_MAJOR/bin
PGLIB=/usr/lib/postgresql/$PG_MAJOR/lib
PGEXT=/usr/share/postgresql/$PG_MAJOR/extension
SYSTEM_STAMP=/var/lib/ecommerce-edge/engine.stamp
LOCAL_STAMP="$TOOLS/engine.stamp"
FERRETDB_DIR="$TOOLS/ferretdb-$FERRETDB_VERSION"
FERRETDB_BIN="$FERRETDB_DIR/ferretdb"
TARBALLS=(libbson-1.28.0-src pgvector-0.8.0 pg_cron-1.6.3 documentdb-3f80da90)
PATCH=documentdb-unique-fallback.patch
# Debian packages. NOT postgresql-15-cron (bookworm's 1.4.2 rejects DocumentDB's '2 seconds'
# schedule), NOT libbson-dev (1.23; DocumentDB needs >= 1.28), and bookworm has no pgvector for 15:
# those three are built from vendor/.
APT_PACKAGES=(postgresql-$PG_MAJOR postgresql-server-dev-$PG_MAJOR postgresql-$PG_MAJOR-postgis-3
  postgresql-$PG_MAJOR-rum libpcre2-dev libintelrdfpmath-dev libkrb5-dev libicu-dev systemtap-sdt-dev
  pkg-config cmake build-essential git ca-certificates curl unzip)
# What must be installed: library, control file and its default_version (a Debian package of
# another version installed later over ours is noticed).
REQUIRED=(
  "pg_documentdb_core documentdb_core 0.107-0"
  "pg_documentdb documentdb 0.107-0"
  "pg_documentdb_extended_rum documentdb_extended_rum 0.107-0"
  "vector vector 0.8.0"
  "pg_cron pg_cron 1.6"
  "rum rum -"
  "postgis-3 postgis -"
  "tsm_system_rows tsm_system_rows -"
)

force=0
check_only=0
for arg in "$@"; do
  case "$arg" in
    --force) force=1 ;;
    --check) check_only=1 ;;
    *) echo "usage: $0 [--force|--check]" >&2 && exit 64 ;;
  esac
done

started=$(date +%s)
say() { printf '[engine %3ss] %s\n' "$(($(date +%s) - started))" "$*" >&2; }

key() {
  {
    for t in "${TARBALLS[@]}"; do sha256sum "$VENDOR/$t.tar.gz"; done
    sha256sum "$VENDOR/$PATCH"
    echo "recipe $RECIPE ferretdb $FERRETDB_VERSION postgresql $PG_MAJOR"
  } | sed "s|$VENDOR/||" | sha256sum | cut -c1-32
}
KEY=$(key)

extensions_installed() {
  [[ -x $PGBIN/postgres && -x $PGBIN/initdb && "$(cat "$SYSTEM_STAMP" 2>/dev/null)" == "$KEY" ]] || return 1
  local lib ext version
  for entry in "${REQUIRED[@]}"; do
    read -r lib ext version <<<"$entry"
    [[ -f $PGLIB/$lib.so && -f $PGEXT/$ext.control ]] || return 1
    [[ $version == - ]] || grep -q "^default_version = '$version'" "$PGEXT/$ext.control" || return 1
  done
}
ferretdb_installed() { [[ -x $FERRETDB_BIN && "$(cat "$FERRETDB_DIR/version" 2>/dev/null)" == "$FERRETDB_VERSION" ]]; }

# Warm path: nothing to do.
if [[ $force -eq 0 ]] && extensions_installed && ferretdb_installed; then
  [[ "$(cat "$LOCAL_STAMP" 2>/dev/null)" == "$KEY" ]] || { mkdir -p "$TOOLS" && echo "$KEY" >"$LOCAL_STAMP"; }
  exit 0
fi
[[ $check_only -eq 1 ]] && exit 1

cannot_install() {
  cat >&2 <<EOF
[engine] The local engine (PostgreSQL $PG_MAJOR + DocumentDB from vendor/, FerretDB $FERRETDB_VERSION) is not
[engine] installed, and this script cannot install it here: $1.
[engine]
[engine] Install it once (Debian bookworm, root; apt packages, the Go module proxy, ~5 min on 2 cores):
[engine]     sudo bash scripts/build-engine.sh
[engine]
[engine] Or use servers of your own (given both, the stack starts neither PostgreSQL nor FerretDB):
[engine]     DATABASE_URL=postgres://owner:password@host:5432/ecommerce    (any PostgreSQL >= 15; owner with CREATEROLE)
[engine]     MONGODB_URI=mongodb://user:password@host:27017/                (MongoDB, or FerretDB v2)
[engine]   for example FerretDB's evaluation image, PostgreSQL with DocumentDB and FerretDB in one container:
[engine]     docker run -d --name ferretdb -p 27017:27017 -e POSTGRES_USER=app -e POSTGRES_PASSWORD=secret ghcr.io/ferretdb/ferretdb-eval:2
[engine]     MONGODB_URI=mongodb://app:secret@127.0.0.1:27017/ DATABASE_URL=postgres://... npm run dev
[engine]   (the tests take TEST_DATABASE_URL and TEST_MONGODB_URI the same way)
EOF
  exit 2
}

# ---------------------------------------------------------------- extensions (root, apt, make)
build_extensions() {
  [[ $(id -u) -eq 0 ]] || cannot_install "it needs root (it installs into $PGLIB)"
  command -v apt-get >/dev/null && command -v dpkg-query >/dev/null || cannot_install "no apt-get (not Debian/Ubuntu)"

  local missing=()
  for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  if [[ ${#missing[@]} -gt 0 ]]; then
    say "apt-get update; apt-get install ${missing[*]}"
    apt-get update -qq >/dev/null
    if ! apt-cache show "postgresql-$PG_MAJOR" "postgresql-$PG_MAJOR-rum" >/dev/null 2>&1; then
      cannot_install "apt has no postgresql-$PG_MAJOR / postgresql-$PG_MAJOR-rum (Debian bookworm has them; elsewhere add apt.postgresql.org)"
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
  # Debian's postgresql package starts a cluster as a service; the stack runs its own clusters.

  local W="$TOOLS/engine-build" J
  J=$(nproc 2>/dev/null || echo 2)
  local LOG="$TOOLS/engine-build.log"
  rm -rf "$W" && mkdir -p "$W/src" "$W/deps" "$W/pkgconfig"
  run() { "$@" >>"$LOG" 2>&1 || { tail -n 40 "$LOG" >&2; say "failed: $* (log: $LOG)"; exit 1; }; }

  for t in "${TARBALLS[@]}"; do tar -xzf "$VENDOR/$t.tar.gz" -C "$W/src"; done
  # DocumentDB stamps its version from git: give the tree one commit, then apply the patch
  # (unique indexes fall back to the rum handler under the ordered-index settings).
  (cd "$W/src/documentdb" && git init -q && git -c core.autocrlf=false -c core.safecrlf=false add -A 2>/dev/null &&
    git -c user.name=build -c user.email=build@localhost commit -qm "documentdb 3f80da90" &&
    git apply "$VENDOR/$PATCH")

  say "libbson 1.28.0 (static)"
  mkdir -p "$W/src/mongo-c-driver/_build"
  (cd "$W/src/mongo-c-driver/_build" &&
    run cmake .. -DENABLE_MONGOC=OFF -DENABLE_TESTS=OFF -DENABLE_EXAMPLES=OFF -DENABLE_STATIC=ON -DENABLE_ICU=OFF \
      -DCMAKE_C_FLAGS=-fPIC -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX="$W/deps" &&
    run make -j"$J" && run make install)
  # Debian ships no pkg-config file for the Intel decimal library.
  cat >"$W/pkgconfig/intelmathlib.pc" <<'PC'
prefix=/usr
libdir=${prefix}/lib/x86_64-linux-gnu
includedir=${prefix}/include
Name: intelmathlib
Description: Intel RDFP math library (Debian libintelrdfpmath-dev)
Version: 2.0
Cflags: -I${includedir}
Libs: -L${libdir} -lbidgcc000
PC
  export PKG_CONFIG_PATH="$W/deps/lib/pkgconfig:$W/pkgconfig"
  export PG_CONFIG="$PGBIN/pg_config"
  # with_llvm=no: no LLVM bitcode for PostgreSQL's JIT inlining, which doubled the compile work.
  local PGXS_FLAGS="with_llvm=no"

  say "pgvector 0.8.0, pg_cron 1.6.3"
  # OPTFLAGS= : no -march=native, the library runs on any x86-64 this checkout is copied to.
  (cd "$W/src/pgvector" && run make -j"$J" $PGXS_FLAGS OPTFLAGS= && run make $PGXS_FLAGS install)
  (cd "$W/src/pg_cron" && run make -j"$J" $PGXS_FLAGS && run make $PGXS_FLAGS install)

  say "DocumentDB 0.107 (documentdb_core, documentdb, documentdb_extended_rum; ~1.5 min on 2 cores)"
  for d in pg_documentdb_core pg_documentdb internal/pg_documentdb_extended_rum; do
    (cd "$W/src/documentdb" && run make -j"$J" -C "$d" $PGXS_FLAGS && run make -C "$d" $PGXS_FLAGS install)
  done
  # Bitcode an earlier build installed would be inlined by the JIT instead of these libraries.
  rm -rf "$PGLIB"/bitcode/{pg_documentdb_core,pg_documentdb,pg_documentdb_extended_rum,vector,pg_cron}{,.index.bc}
  rm -rf "$W"
  mkdir -p "$(dirname "$SYSTEM_STAMP")" && echo "$KEY" >"$SYSTEM_STAMP"
  extensions_installed || { say "installed, but the check of $PGLIB / $PGEXT still fails"; exit 1; }
}

# ---------------------------------------------------------------- FerretDB (Go module proxy)
find_go() {
  if command -v go >/dev/null; then return; fi
  local goroot="$TOOLS/go-$GO_BOOTSTRAP_VERSION"
  if [[ ! -x $goroot/bin/go ]]; then
    say "no Go on PATH: fetching Go $GO_BOOTSTRAP_VERSION from the Go module proxy"
    local tmp
    tmp=$(mktemp -d)
    curl -fsSL -o "$tmp/go.zip" \
      "https://proxy.golang.org/golang.org/toolchain/@v/v0.0.1-go$GO_BOOTSTRAP_VERSION.linux-amd64.zip"
    (cd "$tmp" && unzip -q go.zip)
    rm -rf "$goroot" && mv "$tmp/golang.org/toolchain@v0.0.1-go$GO_BOOTSTRAP_VERSION.linux-amd64" "$goroot"
    chmod +x "$goroot"/bin/* "$goroot"/pkg/tool/*/* 2>/dev/null || true
    rm -rf "$tmp"
  fi
  export GOROOT="$goroot" PATH="$goroot/bin:$PATH"
}

install_ferretdb() {
  find_go
  say "FerretDB $FERRETDB_VERSION: go install from the Go module proxy ($(go env GOVERSION); ~2 min with empty Go caches)"
  local tmp="$FERRETDB_DIR.tmp"
  rm -rf "$tmp" && mkdir -p "$tmp"
  # GOTOOLCHAIN=auto: an older Go fetches the toolchain FerretDB's go.mod asks for.
  local LOG="$TOOLS/engine-build.log"
  GOTOOLCHAIN=auto GOBIN="$tmp" go install "github.com/FerretDB/FerretDB/v2/cmd/ferretdb@$FERRETDB_VERSION" >>"$LOG" 2>&1 ||
    { tail -n 40 "$LOG" >&2; say "failed: go install of FerretDB (log: $LOG)"; exit 1; }
  echo "$FERRETDB_VERSION" >"$tmp/version"
  rm -rf "$FERRETDB_DIR" && mv "$tmp" "$FERRETDB_DIR"
}

# One build at a time (per user: only root installs machine-wide); whoever waited re-checks.
mkdir -p "$TOOLS"
exec 9>"${TMPDIR:-/tmp}/ecommerce-edge-engine.$(id -u).lock"
if ! flock -n 9; then
  say "another build of the engine is running; waiting for it"
  flock 9
fi
: >"$TOOLS/engine-build.log"
if [[ $force -eq 1 ]] || ! extensions_installed; then
  build_extensions
fi
if [[ $force -eq 1 ]] || ! ferretdb_installed; then
  install_ferretdb
fi
echo "$KEY" >"$LOCAL_STAMP"
# Built with sudo: the checkout's .tools stays its owner's.
if [[ -n ${SUDO_UID:-} && -n ${SUDO_GID:-} ]]; then chown -R "$SUDO_UID:$SUDO_GID" "$TOOLS"; fi
say "engine ready: $PGBIN (DocumentDB 0.107, pgvector, pg_cron), $FERRETDB_BIN"
