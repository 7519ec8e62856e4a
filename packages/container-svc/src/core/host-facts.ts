import type { ResourceHost } from './resources.js';

/** A device node of the host, as a privileged container gets it (OCI `linux.devices`). */
export interface HostDevice {
  path: string;
  type: 'c' | 'b';
  major: number;
  minor: number;
  fileMode: number;
  uid: number;
  gid: number;
}

/** What the engine knows about the host it runs containers on, read once at start-up. */
export interface HostFacts extends ResourceHost {
  /** Capabilities the engine may give containers (the kernel's, within its own bounding set). */
  capabilities: readonly string[];
  /** The syscall ABIs the kernel runs, as libseccomp names them (see kernelAbis). */
  syscallAbis: readonly string[];
  /** A static init (tini) to run as PID 1 for `--init`; undefined when the host has none. */
  initBinary: string | undefined;
  /** The host's device nodes, read when a privileged container needs them. */
  devices(): Promise<HostDevice[]>;
}
