#!/usr/bin/env bash
# Fetches the .proto files containerd publishes (from Debian's -dev packages, extracted without
# installing them, so no Go dependency chain) and generates TypeScript from them into src/gen/.
# Both protos/ and src/gen/ are git-ignored. Cheap when nothing changed: the build runs it every time.
set -euo pipefail

package_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
protos_dir="$package_dir/protos"
gen_dir="$package_dir/src/gen"
protos_stamp="$protos_dir/.complete"
gen_stamp="$gen_dir/.complete"

containerd_src=usr/share/gocode/src/github.com/containerd/containerd
containerd_files=(
  api/services/version/v1/version.proto
  api/services/namespaces/v1/namespace.proto
  api/services/containers/v1/containers.proto
  api/services/tasks/v1/tasks.proto
  api/services/images/v1/images.proto
  api/services/content/v1/content.proto
  api/services/snapshots/v1/snapshots.proto
  api/services/diff/v1/diff.proto
  api/services/leases/v1/leases.proto
  api/services/events/v1/events.proto
  api/services/introspection/v1/introspection.proto
  api/types/descriptor.proto
  api/types/mount.proto
  api/types/platform.proto
  api/types/metrics.proto
  api/types/task/task.proto
  api/events/container.proto
  api/events/content.proto
  api/events/image.proto
  api/events/namespace.proto
  api/events/snapshot.proto
  api/events/task.proto
  runtime/v2/runc/options/oci.proto
  protobuf/plugin/fieldpath.proto
)

# The API of the containerd we run against: pin the -dev package to the installed containerd's
# Debian version when there is one (both come from the same source package).
containerd_dev_package() {
  local version
  version="$(dpkg-query -W -f='${Version}' containerd 2>/dev/null || true)"
  if [[ -n "$version" ]]; then
    echo "golang-github-containerd-containerd-dev=$version"
  else
    echo golang-github-containerd-containerd-dev
  fi
}

fetch_protos() {
  local packages
  download_dir="$(mktemp -d)"
  trap 'rm -rf "$download_dir"' EXIT
  chmod 755 "$download_dir" # lets apt's sandbox user write the downloads
  packages=("$(containerd_dev_package)" golang-github-gogo-protobuf-dev golang-github-gogo-googleapis-dev)
  if ! (cd "$download_dir" && apt-get download -q "${packages[@]}" >/dev/null 2>&1); then
    apt-get update -q >/dev/null
    (cd "$download_dir" && apt-get download -q "${packages[@]}" >/dev/null)
  fi
  for deb in "$download_dir"/*.deb; do dpkg-deb -x "$deb" "$download_dir/root"; done

  rm -rf "$protos_dir"
  local file
  for file in "${containerd_files[@]}"; do
    install -D -m 644 "$download_dir/root/$containerd_src/$file" "$protos_dir/github.com/containerd/containerd/$file"
  done
  install -D -m 644 "$download_dir/root/usr/share/gocode/src/github.com/gogo/protobuf/gogoproto/gogo.proto" \
    "$protos_dir/gogoproto/gogo.proto"
  install -D -m 644 "$download_dir/root/usr/share/gocode/src/github.com/gogo/googleapis/google/rpc/status.proto" \
    "$protos_dir/google/rpc/status.proto"
  (cd "$download_dir" && ls -- *.deb) >"$protos_stamp"
}

# The file list lives in this script: editing it fetches again.
if [[ ! -f "$protos_stamp" || "${BASH_SOURCE[0]}" -nt "$protos_stamp" ]]; then
  fetch_protos
fi

if [[ ! -f "$gen_stamp" || "$protos_stamp" -nt "$gen_stamp" || "$package_dir/buf.gen.yaml" -nt "$gen_stamp" ]]; then
  rm -rf "$gen_dir"
  (cd "$package_dir" && npx --no-install buf generate)
  touch "$gen_stamp"
fi
