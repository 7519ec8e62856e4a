#!/usr/bin/env bash
# Installs the Debian packages the engine runs on, when they are missing; with --for-tests also
# what the test suite uses (busybox-static for test images, a docker CLI, local registries with
# htpasswd and token auth). Idempotent and quiet.
set -euo pipefail
packages=(containerd runc containernetworking-plugins nats-server iptables iproute2 util-linux bzip2 xz-utils zstd tini attr)
if [ "${1:-}" = --for-tests ]; then
  packages+=(busybox-static docker-registry apache2-utils openssl)
  # Any docker CLI will do; Debian's comes with docker.io (its daemon is never started here).
  command -v docker >/dev/null 2>&1 || packages+=(docker.io)
fi
missing=()
for p in "${packages[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing ${missing[*]}" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
