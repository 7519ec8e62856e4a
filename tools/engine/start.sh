#!/usr/bin/env bash
# `npm start`: installs what a fresh Debian machine lacks, builds, and runs the engine in the
# foreground (Ctrl-C stops it; containers keep running and are found again on the next start).
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ "$(id -u)" != 0 ]; then echo "Flotilla needs root (containers, mounts and network namespaces)" >&2; exit 1; fi
bash tools/setup/install-system-deps.sh
bash tools/setup/install-npm-deps.sh
npx nx run-many -t build --output-style=static >/dev/null
exec node tools/dist/engine/launch.js
