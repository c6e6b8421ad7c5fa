#!/usr/bin/env bash
# make arm64-check: the engine on Graviton2's instruction set, compared byte for byte with the host.
#
# The Lambda runs on arm64 (Graviton). This installs the Lambda's pinned aarch64 wheels
# (lambda/requirements.txt) the way the Dockerfile does (pip --only-binary --no-deps --target),
# into an arm64 Debian userland (debootstrap), runs the engine there on the sample and a generated
# .csv.gz under QEMU user emulation with QEMU_CPU=neoverse-n1 (Graviton2: Armv8.2, no SVE; an
# instruction beyond it raises SIGILL), and compares every report with `orders run-local` on the
# host. Run it after upgrading Polars. Not part of CI: the first run downloads ~10 minutes of
# Debian packages; the rootfs and wheels are cached in .arm64-check/ (git-ignored).
#
# Needs: Linux x86_64 or arm64, root for `apt-get install debootstrap qemu-user-static` (once; or
# install them yourself), the project's .venv (make install). No binfmt_misc registration and no
# chroot: the arm64 Python runs as `qemu-aarch64-static -L <rootfs> <rootfs>/usr/bin/python3`.
#
# Environment: ROWS (generated rows, default 200000), ARM64_CHECK_CACHE (default .arm64-check).
# Differences from the image: Debian bookworm's CPython 3.11 instead of the base image's 3.12 (the
# native code under test, Polars, is the same abi3 wheel) and no Lambda runtime around the engine.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

CACHE=${ARM64_CHECK_CACHE:-$ROOT/.arm64-check}
SUITE=bookworm
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
PYVER=3.11 # bookworm's python3
ROWS=${ROWS:-200000}
CPU=neoverse-n1
VENV=$ROOT/.venv/bin

step() { printf '\n==> %s\n' "$*"; }
die() {
  printf 'arm64-check: %s\n' "$*" >&2
  exit 1
}
[ -x "$VENV/orders" ] || die "no .venv: run make install first"

# --- 1. tools -----------------------------------------------------------------------------------
if ! command -v debootstrap >/dev/null || ! command -v qemu-aarch64-static >/dev/null; then
  [ "$(id -u)" = 0 ] || die "needs debootstrap and qemu-user-static: sudo apt-get install debootstrap qemu-user-static"
  step "apt-get install debootstrap qemu-user-static"
  timeout 600 apt-get update -qq
  DEBIAN_FRONTEND=noninteractive timeout 900 apt-get install -y -qq debootstrap qemu-user-static
fi
cpus=$(qemu-aarch64-static -cpu help || true) # exits 1 after listing
grep -qw "$CPU" <<<"$cpus" || die "this qemu-aarch64-static has no $CPU CPU model"

# --- 2. the arm64 userland (cached) -------------------------------------------------------------
ROOTFS=$CACHE/rootfs-$SUITE
if [ ! -x "$ROOTFS/usr/bin/python3" ]; then
  step "debootstrap --arch=arm64 $SUITE (first run only: a few minutes)"
  rm -rf "$ROOTFS.tmp"
  mkdir -p "$CACHE"
  # --foreign: download and unpack only, nothing arm64 is executed; the packages debootstrap
  # leaves for its second stage (python3 and its dependencies) are unpacked with dpkg-deb below.
  timeout 1800 debootstrap --arch=arm64 --variant=minbase --foreign --include=python3 \
    "$SUITE" "$ROOTFS.tmp" "$MIRROR" >"$CACHE/debootstrap.log" 2>&1 ||
    die "debootstrap failed, see $CACHE/debootstrap.log"
  for deb in "$ROOTFS.tmp"/var/cache/apt/archives/*.deb; do
    dpkg-deb -x "$deb" "$ROOTFS.tmp"
  done
  mv "$ROOTFS.tmp" "$ROOTFS"
fi
PYTHON_ARM64=("qemu-aarch64-static" "-L" "$ROOTFS" "$ROOTFS/usr/bin/python3" "-s")

# --- 3. the Lambda's wheels for aarch64, installed as the Dockerfile does (cached per lock) ------
LOCK=lambda/requirements.txt
TASK=$CACHE/task-$(sha256sum "$LOCK" | cut -c1-16)
if [ ! -d "$TASK" ]; then
  step "pip: $LOCK for manylinux aarch64 / CPython $PYVER"
  platform=(--platform manylinux2014_aarch64 --platform manylinux_2_17_aarch64
    --python-version "$PYVER" --implementation cp --abi "cp${PYVER/./}" --abi abi3 --abi none)
  # (grep: this machine's pip configuration names local wheel folders that may not exist)
  timeout 900 "$VENV/pip" download --quiet --disable-pip-version-check --only-binary=:all: \
    --no-deps "${platform[@]}" -r "$LOCK" -d "$CACHE/wheels" 2> >(grep -v '^WARNING: Location' >&2)
  rm -rf "$TASK.tmp"
  timeout 900 "$VENV/pip" install --quiet --disable-pip-version-check --no-deps \
    --only-binary=:all: --no-index --find-links "$CACHE/wheels" "${platform[@]}" \
    --target "$TASK.tmp" -r "$LOCK" 2> >(grep -v '^WARNING: Location' >&2)
  mv "$TASK.tmp" "$TASK"
fi

# --- 4. inputs, and the code under test (only shared/, as the image has it) ---------------------
WORK=$CACHE/run
rm -rf "$WORK"
mkdir -p "$WORK/src" "$WORK/in"
cp -r shared "$WORK/src/"
cp assessment_assets/sample_orders.csv "$WORK/in/sample_orders.csv"
step "orders generate: $ROWS rows, gzip"
timeout 600 "$VENV/orders" generate "$WORK/in/generated.csv.gz" --rows "$ROWS" --seed 3 --gzip >/dev/null

# --- 5. the engine under QEMU_CPU=neoverse-n1, and on the host ---------------------------------
ENGINE='
import ctypes, platform, sys
from pathlib import Path
import polars
from shared.core import pipeline
libc = ctypes.CDLL(None)
libc.getauxval.restype = ctypes.c_ulong
if platform.machine() == "aarch64" and libc.getauxval(16) & (1 << 22):
    sys.exit("the emulated CPU has SVE: QEMU_CPU is not in effect")
rows = pipeline.run_file(Path(sys.argv[1]), Path(sys.argv[2])).summary.get("rows_read")
print(platform.machine(), "polars", polars.__version__, f"rows_read={rows}")
'
status=0
for input in "$WORK"/in/*; do
  name=$(basename "$input")
  step "$name: arm64 ($CPU, QEMU) and host"
  QEMU_CPU=$CPU PYTHONPATH="$TASK:$WORK/src" PYTHONNOUSERSITE=1 \
    timeout 1800 "${PYTHON_ARM64[@]}" -c "$ENGINE" "$input" "$WORK/arm64/$name"
  timeout 600 "$VENV/orders" run-local "$input" --output-dir "$WORK/host/$name" --format json >/dev/null
  "$VENV/python" -c 'import platform, polars; print(platform.machine(), "polars", polars.__version__, "(host)")'
  for report in "$WORK/host/$name"/*.csv; do
    if cmp -s "$report" "$WORK/arm64/$name/$(basename "$report")"; then
      echo "  same bytes  $(basename "$report")"
    else
      echo "  DIFFERENT   $(basename "$report")"
      status=1
    fi
  done
done

[ "$status" = 0 ] || die "reports differ between arm64 ($CPU) and the host: see $WORK/arm64 and $WORK/host"
printf '\narm64-check: every report is byte-for-byte the host'"'"'s (%s, QEMU_CPU=%s)\n' "$SUITE" "$CPU"
