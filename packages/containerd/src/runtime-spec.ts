import type { Any } from '@bufbuild/protobuf/wkt';
import { packJsonAny, unpackJsonAny } from './json-any.js';

/** The type URL containerd gives the OCI runtime spec of a container (JSON in an Any). */
export const runtimeSpecTypeUrl = 'types.containerd.io/opencontainers/runtime-spec/1/Spec';

/**
 * The OCI runtime spec (opencontainers/runtime-spec config.json) as plain JSON. Only the top level
 * is spelled out: the services that build a spec own the types of its parts.
 */
export interface RuntimeSpec {
  ociVersion: string;
  process?: object;
  root?: { path: string; readonly?: boolean };
  hostname?: string;
  mounts?: { destination: string; type?: string; source?: string; options?: string[] }[];
  hooks?: object;
  annotations?: Record<string, string>;
  linux?: object;
}

/** For `Container.spec` in Containers.Create. */
export function packRuntimeSpec(spec: RuntimeSpec): Any {
  return packJsonAny(runtimeSpecTypeUrl, spec);
}

/** The type parameter is the caller's claim about the spec's parts, not checked. */
export function unpackRuntimeSpec<T extends RuntimeSpec = RuntimeSpec>(any: Any | undefined): T {
  return unpackJsonAny<T>(any, runtimeSpecTypeUrl);
}
