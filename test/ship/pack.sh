#!/usr/bin/env bash
# Proves the published package works: `npm pack` (which builds dist/ through `prepack`), then a global
# install of the tarball into an empty prefix with no network beyond the npm cache, then the `aiops`
# binary from there: --version, --help, a sub-command's --help, and a replay on the embedded database.
# Usage: test/ship/pack.sh   (from the repository root; exits non-zero on the first failure)
set -euo pipefail
cd "$(dirname "$0")/../.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

npm pack --silent --pack-destination "$work" >"$work/pack.out"
tarball="$work/$(tail -n 1 "$work/pack.out")"
echo "packed $(basename "$tarball") ($(du -k "$tarball" | cut -f1) kB)"

# What the tarball holds: compiled code, migrations, prompts and the catalogue's data; no TypeScript sources or tests.
tar -tzf "$tarball" >"$work/files"
for needed in package/bin/aiops.js package/dist/src/cli.js package/migrations/001_ingest.sql package/prompts/analyze.md package/catalogue/messaging.yaml; do
  grep -qx "$needed" "$work/files" || { echo "missing from the package: $needed" >&2; exit 1; }
done
if grep -E '^package/(src|test|handlers)/|\.ts$' "$work/files"; then
  echo "the package holds TypeScript sources or tests (above)" >&2
  exit 1
fi

# --offline first: every production dependency from the npm cache. When the cache lacks a package's
# metadata (ENOTCACHED: `npm ci` fetches tarballs by their locked URLs, a global install resolves ranges),
# --prefer-offline asks the configured registry (CI's mirror) for only what is missing.
install() {
  npm install --global "$1" --no-audit --no-fund --prefix "$work/prefix" "$tarball" >"$work/install.out" 2>&1
}
mode=offline
if ! install --offline; then
  mode=prefer-offline
  grep -q ENOTCACHED "$work/install.out" || { cat "$work/install.out" >&2; exit 1; }
  echo "npm cache incomplete for an offline install; retrying with --prefer-offline ($(npm config get registry))"
  install --prefer-offline || { cat "$work/install.out" >&2; exit 1; }
fi
if [ -e "$work/prefix/lib/node_modules/aiops-bot/node_modules/tsx" ]; then
  echo "tsx was installed with the package: it must be a dev dependency only" >&2
  exit 1
fi
aiops="$work/prefix/bin/aiops"
version=$(node -p "require('./package.json').version")

out=$("$aiops" --version)
[ "$out" = "aiops-bot $version" ] || { echo "aiops --version printed: $out" >&2; exit 1; }
"$aiops" --help | grep -q '^usage: aiops' || { echo "aiops --help printed no usage" >&2; exit 1; }
"$aiops" replay --help | grep -q 'replay FILE' || { echo "aiops replay --help printed no usage" >&2; exit 1; }

# A real run from the installed package: migrations and the pipeline on an embedded database.
cd "$work"
AIOPS_DATA_DIR="$work/data" "$aiops" replay "$OLDPWD/test/fixtures/demo/kube-crashloop.json" >"$work/replay.out" ||
  { cat "$work/replay.out" >&2; exit 1; }
grep -q 'Slack thread (local mode)' "$work/replay.out" || { cat "$work/replay.out" >&2; exit 1; }
echo "ok: installed $(basename "$tarball") globally (--$mode); aiops --version, --help, replay --help and replay work"
