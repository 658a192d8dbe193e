#!/usr/bin/env bash
# Bring up a local Docker engine and the stand-in base images for the e2e tests (tests/e2e).
#
#   .ci/docker-up.sh            # from any directory; idempotent
#
# 1. installs docker.io + debootstrap with apt-get when /usr/bin/docker or dockerd is missing;
# 2. starts dockerd in the background (log: $DOCKERD_LOG, default /tmp/dockerd.log) unless
#    `docker info` already answers, and waits up to 60 s for it;
# 3. runs <repo>/../shared/e2e/standin-images.sh (no registry is reachable: it builds local
#    stand-ins for python, node, golang, ... from Debian packages), then `--ensure`s every extra
#    tag listed in tests/e2e/images.txt.
#
# Uses /usr/bin/docker (the docker.io client with built-in BuildKit) unless DOCKER or MSB_DOCKER
# names another client.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
shared=$(cd "$repo/.." && pwd)/shared
standin=$shared/e2e/standin-images.sh
images_txt=$repo/tests/e2e/images.txt
log=${DOCKERD_LOG:-/tmp/dockerd.log}

say() { echo "docker-up: $*"; }
die() { echo "docker-up: ERROR: $*" >&2; exit 1; }

sudo=
if [[ $(id -u) != 0 ]]; then
  command -v sudo >/dev/null && sudo=sudo || true
fi

# 1. packages
if [[ ! -x /usr/bin/docker ]] || ! command -v dockerd >/dev/null || ! command -v debootstrap >/dev/null; then
  say "installing docker.io and debootstrap (apt-get)"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq || die "apt-get update failed"
  $sudo apt-get install -y -qq --no-install-recommends docker.io debootstrap >/dev/null \
    || die "apt-get install docker.io debootstrap failed"
fi

DOCKER=${DOCKER:-${MSB_DOCKER:-$(if [[ -x /usr/bin/docker ]]; then echo /usr/bin/docker; else echo docker; fi)}}
export DOCKER DOCKER_BUILDKIT=1

# 2. engine
if $DOCKER info >/dev/null 2>&1; then
  say "engine already running ($($DOCKER version --format '{{.Server.Version}}' 2>/dev/null))"
else
  command -v dockerd >/dev/null || die "dockerd not found after install"
  say "starting dockerd (log: $log)"
  # setsid: keep the daemon alive when this script's process group ends.
  $sudo setsid dockerd >"$log" 2>&1 < /dev/null &
  pid=$!
  ok=0 why="did not answer 'docker info' within 60 s"
  for _ in $(seq 1 60); do
    if $DOCKER info >/dev/null 2>&1; then ok=1; break; fi
    if ! kill -0 "$pid" 2>/dev/null; then why="exited before answering"; break; fi
    sleep 1
  done
  if ((!ok)); then
    echo "--- last lines of $log ---" >&2
    tail -n 20 "$log" >&2 || true
    die "dockerd $why (log: $log)"
  fi
  say "engine up ($($DOCKER version --format '{{.Server.Version}}'))"
fi

# 3. stand-in base images
[[ -x $standin || -f $standin ]] || die "stand-in script not found: $standin (expected shared/ beside the repo)"
say "stand-in images (first run takes a few minutes)"
start=$SECONDS
bash "$standin"
say "stand-ins ready in $((SECONDS - start)) s"

if [[ -f $images_txt ]]; then
  mapfile -t extra < <(sed -e 's/#.*//' -e 's/[[:space:]]*$//' -e '/^[[:space:]]*$/d' "$images_txt")
  if ((${#extra[@]})); then
    say "ensuring ${#extra[@]} extra tags from tests/e2e/images.txt"
    bash "$standin" --ensure "${extra[@]}" || die "some tags in $images_txt have no stand-in"
  fi
fi
# The real distroless :nonroot tags run as uid 65532 (their config says USER 65532); the
# stand-ins are plain copies, so give each :nonroot stand-in that one line of config.
while read -r ref; do
  [[ -n $ref ]] || continue
  if [[ -z $($DOCKER image inspect -f '{{.Config.User}}' "$ref" 2>/dev/null) ]]; then
    printf 'FROM %s\nUSER 65532:65532\n' "$ref" | $DOCKER build -q -t "$ref" - >/dev/null \
      || die "could not give $ref its nonroot user"
    say "$ref now runs as 65532, like the real image"
  fi
done < <($DOCKER image ls --format '{{.Repository}}:{{.Tag}}' | grep '^gcr.io/distroless/.*:nonroot$')
# The real full python and node images are built on buildpack-deps (gcc, make, git: ~1 GB),
# their -slim tags are not; the stand-ins of both are the same image. Give the full tags the
# build toolchain they really carry, so a move to -slim is measured as it would be for real.
declare -A full_ids=()
for ref in $($DOCKER image ls --format '{{.Repository}}:{{.Tag}}' | grep -E '^(python|node):' \
    | grep -vE 'slim|alpine'); do
  id=$($DOCKER image inspect -f '{{.Id}}' "$ref")
  full_ids[$id]+=" $ref"
done
for id in "${!full_ids[@]}"; do
  read -r -a refs <<<"${full_ids[$id]}"
  if $DOCKER run --rm --entrypoint sh "${refs[0]}" -c 'command -v gcc && command -v git' >/dev/null 2>&1; then
    continue
  fi
  say "adding build-essential and git to ${refs[*]} (as in the real full images)"
  tags=()
  for ref in "${refs[@]}"; do tags+=(-t "$ref"); done
  printf 'FROM %s\nRUN apt-get update && apt-get install -y --no-install-recommends build-essential git && rm -rf /var/lib/apt/lists/*\n' \
    "${refs[0]}" | DOCKER_BUILDKIT=1 $DOCKER build -q "${tags[@]}" - >/dev/null || die "could not extend ${refs[0]}"
done
say "ready"
