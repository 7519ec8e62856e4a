#!/usr/bin/env bash
# Installs the Debian packages the engine runs on, when they are missing. Idempotent and quiet.
set -euo pipefail
packages=(containerd runc containernetworking-plugins nats-server iptables iproute2 util-linux)
missing=()
for p in "${packages[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing ${missing[*]}" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# Debian's packages start their own daemons where systemd runs; Flotilla runs its own containerd
# and NATS on its own sockets and never uses or stops those.
