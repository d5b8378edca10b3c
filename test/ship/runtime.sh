#!/usr/bin/env bash
# What the Dockerfile's runtime stage does, without a Docker daemon: into an empty folder, the production
# dependencies only (npm ci --omit=dev from the lock file, offline from the npm cache), the compiled dist/
# and the files the runtime stage COPYs from the context (read from the Dockerfile, so they cannot drift);
# then, as an unprivileged user, `node dist/src/cli.js start` (the image's ENTRYPOINT + CMD) until /readyz
# answers 200; then SIGTERM (the image's STOPSIGNAL) and a clean exit 0 with the shutdown line.
# Usage: test/ship/runtime.sh   (from the repository root; exits non-zero on the first failure)
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$PWD
work=$(mktemp -d)
app="$work/app"
pid=
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$app" "$work/data"
chmod 755 "$work" # mktemp -d is 0700: the unprivileged user must reach the app

# The runtime stage: from `FROM … AS runtime` to the end.
runtime=$(awk '/^FROM .* AS runtime$/ { on = 1 } on' Dockerfile)
[ -n "$runtime" ] || { echo "Dockerfile has no runtime stage" >&2; exit 1; }

# --from=deps node_modules: the deps stage's install.
cp package.json package-lock.json "$app/"
(cd "$app" && npm ci --omit=dev --ignore-scripts --no-audit --no-fund --offline >"$work/npm.out" 2>&1) ||
  (cd "$app" && npm ci --omit=dev --ignore-scripts --no-audit --no-fund --prefer-offline >"$work/npm.out" 2>&1) ||
  { cat "$work/npm.out" >&2; exit 1; }
for dev in tsx typescript vitest @biomejs/biome esbuild; do
  if [ -e "$app/node_modules/$dev" ]; then echo "dev dependency $dev installed in the runtime" >&2; exit 1; fi
done
# --from=build dist: the build stage's output.
npm run --silent build
cp -R dist "$app/dist"
# COPY SRC DEST from the build context.
while read -r _ src dest; do
  cp -R "$src" "$app/${dest#./}"
done < <(printf '%s\n' "$runtime" | grep -E '^COPY ' | grep -v -- '--from=')
if [ -e "$app/src" ] || [ -e "$app/test" ] || [ -e "$app/handlers" ]; then
  echo "TypeScript sources or tests in the runtime" >&2
  exit 1
fi

port=$(node -e "const s=require('net').createServer().listen(0,()=>{console.log(s.address().port);s.close()})")
chown -R 65534:65534 "$work/data"
cd "$app"
run_as=()
if [ "$(id -u)" = 0 ]; then run_as=(setpriv --reuid=65534 --regid=65534 --clear-groups); fi
"${run_as[@]}" env -i PATH="$PATH" NODE_ENV=production PORT="$port" AIOPS_DATA_DIR="$work/data" LOG_FORMAT=json \
  node --max-semi-space-size=4 dist/src/cli.js start >"$work/out.log" 2>"$work/err.log" &
pid=$!

ready=
for _ in $(seq 1 240); do
  if ! kill -0 "$pid" 2>/dev/null; then break; fi
  if node -e "fetch('http://127.0.0.1:$port/readyz').then(r=>process.exit(r.status===200?0:1),()=>process.exit(1))"; then
    ready=1
    break
  fi
  sleep 0.5
done
if [ -z "$ready" ]; then
  echo "the bot did not answer /readyz" >&2
  cat "$work/out.log" "$work/err.log" >&2
  exit 1
fi
node -e "fetch('http://127.0.0.1:$port/healthz').then(r=>process.exit(r.status===200?0:1),()=>process.exit(1))"

kill -TERM "$pid"
status=0
wait "$pid" || status=$?
pid=
if [ "$status" != 0 ]; then echo "exit status $status after SIGTERM" >&2; cat "$work/out.log" "$work/err.log" >&2; exit 1; fi
grep -q '"msg":"aiops-bot stopped"' "$work/out.log" || { echo "no shutdown line" >&2; cat "$work/out.log" >&2; exit 1; }
if [ -s "$work/err.log" ]; then echo "stderr was not empty:" >&2; cat "$work/err.log" >&2; exit 1; fi
echo "ok: runtime install (production deps + dist/, $(du -sh "$app" | cut -f1)) answered /readyz as uid 65534 and stopped cleanly on SIGTERM"
