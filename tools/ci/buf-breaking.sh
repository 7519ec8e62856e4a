#!/usr/bin/env bash
# A released engine.*.v1 message only grows: services are upgraded one at a time, so every field
# keeps its number and meaning. Compares the protos with those on main (BUF_AGAINST overrides).
set -euo pipefail
cd "$(dirname "$0")/../.."
against=${BUF_AGAINST:-main}
if ! git rev-parse --verify -q "$against" >/dev/null; then
  echo "buf breaking: no $against to compare with, skipped" >&2
  exit 0
fi
if ! git cat-file -e "$against:packages/proto/proto" 2>/dev/null; then
  echo "buf breaking: $against has no protos yet, nothing to break" >&2
  exit 0
fi
cd packages/proto
npx buf breaking proto --against "../../.git#ref=$against,subdir=packages/proto/proto"
echo "buf breaking: compatible with $against"
