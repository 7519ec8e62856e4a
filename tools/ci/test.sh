#!/usr/bin/env bash
# `npm test`: installs what the tests need, builds, lints and unit-tests every package, checks the
# protos stay compatible, then runs the API-level suite against a whole engine (needs root).
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ "$(id -u)" != 0 ]; then echo "the test suite runs containers: run it as root" >&2; exit 1; fi
bash tools/setup/install-system-deps.sh --for-tests
bash tools/setup/install-npm-deps.sh
npx nx run-many -t build lint test --output-style=static
bash tools/ci/buf-breaking.sh
npx nx run e2e:e2e --output-style=static
