import { machine } from 'node:os';

const goArchitectures: Record<string, string> = { x86_64: 'amd64', aarch64: 'arm64', armv7l: 'arm', s390x: 's390x', ppc64le: 'ppc64le', riscv64: 'riscv64' };

/** The host's CPU architecture the way Docker and image configs name it (`amd64`, `arm64`). */
export function hostArchitecture(): string {
  return goArchitectures[machine()] ?? machine();
}
