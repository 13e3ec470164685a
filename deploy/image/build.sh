#!/usr/bin/env bash
# `./dev image`: build the container image with no container registry, then prove it runs.
#   1. the base: Debian bookworm with python3 only, made by mmdebstrap from Debian packages
#      (python3, python3-venv, ca-certificates, tzdata) and imported with buildah;
#   2. the wheels: this checkout and its dependencies, built on the host with the venv's pip
#      (the same registry access as ./dev test), so the image build needs no network;
#   3. the image: `buildah build` of the Containerfile (multi-stage; the final stage has no pip
#      and no build tools), vfs storage and chroot isolation, which work without privileges or overlayfs;
#   4. the check: deploy/image/smoke.py runs the image against the Slack stand-in and asks /readyz.
# Too slow for CI (minutes: the base alone downloads ~30 MB of packages). Needs root, mmdebstrap, buildah.
#   SKIP_BASE=1 reuses the base image; SKIP_RUN=1 builds without the check.
set -euo pipefail
cd "$(dirname "$0")/../.."

BASE=${BASE_IMAGE:-localhost/escalation-bot-base:bookworm}
IMAGE=${IMAGE:-localhost/escalation-bot:dev}
SUITE=${SUITE:-bookworm}
MIRROR=${MIRROR:-http://deb.debian.org/debian}
BUILDAH=(buildah --storage-driver vfs)
WORK=build/image
mkdir -p "$WORK"

for tool in mmdebstrap buildah; do
  command -v "$tool" >/dev/null || { echo "./dev image needs $tool (apt-get install $tool)" >&2; exit 2; }
done

stamp() { date -u +%s; }
report() { echo "image: $1 in $(( $(stamp) - $2 )) s" >&2; }

if [ "${SKIP_BASE:-0}" != 1 ] || ! "${BUILDAH[@]}" inspect --type image "$BASE" >/dev/null 2>&1; then
  started=$(stamp)
  rm -f "$WORK/base.tar"
  # minbase: dpkg, apt and the essentials; python3 without -dev or a compiler.
  mmdebstrap --variant=minbase --include=python3,python3-venv,ca-certificates,tzdata \
    --aptopt='Acquire::Retries "3"' \
    --customize-hook='rm -rf "$1"/var/cache/apt/* "$1"/var/lib/apt/lists/* "$1"/usr/share/doc/* "$1"/usr/share/man/*' \
    "$SUITE" "$WORK/base.tar" "deb $MIRROR $SUITE main" "deb $MIRROR-security $SUITE-security main" >&2
  container=$("${BUILDAH[@]}" from scratch)
  "${BUILDAH[@]}" add "$container" "$WORK/base.tar" / >/dev/null
  "${BUILDAH[@]}" config --env LANG=C.UTF-8 --cmd '["python3"]' "$container"
  "${BUILDAH[@]}" commit --rm --quiet "$container" "$BASE" >/dev/null
  rm -f "$WORK/base.tar"
  report "base $BASE" "$started"
fi

started=$(stamp)
rm -f deploy/image/wheels/*.whl
[ -x .venv/bin/pip ] || { echo "run it as ./dev image (it sets up .venv first)" >&2; exit 2; }
.venv/bin/pip wheel --quiet --wheel-dir deploy/image/wheels . >&2
report "wheels ($(ls deploy/image/wheels/*.whl | wc -l) files)" "$started"

started=$(stamp)
previous=$("${BUILDAH[@]}" images --quiet "$IMAGE" 2>/dev/null || true)
"${BUILDAH[@]}" build --isolation chroot --format docker --layers=false \
  --build-arg BASE="$BASE" --build-arg PIP_NO_INDEX=1 -f Containerfile -t "$IMAGE" . >&2
report "image $IMAGE" "$started"
if [ -n "$previous" ] && [ "$previous" != "$("${BUILDAH[@]}" images --quiet "$IMAGE")" ]; then
  "${BUILDAH[@]}" rmi "$previous" >/dev/null 2>&1 || true  # the last build's image, now untagged
fi
"${BUILDAH[@]}" images --format '{{.Name}}:{{.Tag}} {{.Size}}' "$IMAGE" >&2

if [ "${SKIP_RUN:-0}" != 1 ]; then
  started=$(stamp)
  .venv/bin/python deploy/image/smoke.py --image "$IMAGE"
  report "run and /readyz" "$started"
fi
