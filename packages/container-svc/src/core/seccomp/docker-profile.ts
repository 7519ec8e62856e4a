import { EngineError } from '@flotilla/proto';
import type { LinuxSeccomp, LinuxSeccompArg, LinuxSyscall } from './types.js';

/** The host, as profiles name it: libseccomp's name in `archMap`, Go's in `includes`/`excludes`. */
const host = { seccompArch: 'SCMP_ARCH_X86_64', arch: 'amd64' };

type JsonObject = Record<string, unknown>;

interface Filter {
  caps: string[];
  arches: string[];
  minKernel?: string;
}

/**
 * Turns a seccomp profile in Docker's format (the file content `docker run --security-opt
 * seccomp=profile.json` sends) into the OCI form, resolving its conditions the way dockerd does:
 * for this host's architecture and the container's capabilities. Any `minKernel` counts as met.
 * The sub-architectures of `archMap` are kept where the kernel runs them (`abis`).
 */
export function seccompFromDockerProfile(json: string, capabilities: readonly string[], abis: readonly string[]): LinuxSeccomp {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (err) {
    throw decodingFailed(err instanceof Error ? err.message : String(err));
  }
  const profile = objectAt(parsed, 'the profile');
  if (!profile) throw decodingFailed('the profile must be a JSON object');

  const defaultAction = stringAt(profile.defaultAction, 'defaultAction');
  if (!defaultAction) throw decodingFailed('the profile has no defaultAction');

  const seccomp: LinuxSeccomp = { defaultAction };
  const defaultErrnoRet = integerAt(profile.defaultErrnoRet, 'defaultErrnoRet');
  if (defaultErrnoRet !== undefined) seccomp.defaultErrnoRet = defaultErrnoRet;
  const architectures = hostArchitectures(profile, abis);
  if (architectures.length > 0) seccomp.architectures = architectures;
  const flags = stringsAt(profile.flags, 'flags');
  if (flags.length > 0) seccomp.flags = flags;
  const listenerPath = stringAt(profile.listenerPath, 'listenerPath');
  if (listenerPath) seccomp.listenerPath = listenerPath;
  const listenerMetadata = stringAt(profile.listenerMetadata, 'listenerMetadata');
  if (listenerMetadata) seccomp.listenerMetadata = listenerMetadata;

  const granted = new Set(capabilities);
  seccomp.syscalls = arrayAt(profile.syscalls, 'syscalls').flatMap((entry, i) => {
    const rule = syscallRule(entry, `syscalls[${i}]`, granted);
    return rule ? [rule] : [];
  });
  return seccomp;
}

/** Either the explicit list, or the host's entry of `archMap` with the sub-architectures its kernel also runs. */
function hostArchitectures(profile: JsonObject, abis: readonly string[]): string[] {
  const explicit = stringsAt(profile.architectures, 'architectures');
  const archMap = arrayAt(profile.archMap, 'archMap');
  if (explicit.length > 0 && archMap.length > 0) {
    throw EngineError.invalid(
      "'architectures' and 'archMap' were specified in the seccomp profile, use either 'architectures' or 'archMap'",
    );
  }
  for (const [i, entry] of archMap.entries()) {
    const mapping = objectAt(entry, `archMap[${i}]`);
    if (mapping && stringAt(mapping.architecture, `archMap[${i}].architecture`) === host.seccompArch) {
      return [host.seccompArch, ...stringsAt(mapping.subArchitectures, `archMap[${i}].subArchitectures`).filter((abi) => abis.includes(abi))];
    }
  }
  return explicit;
}

/** The OCI rule for one profile entry, or undefined when its conditions leave it out on this container. */
function syscallRule(value: unknown, path: string, granted: ReadonlySet<string>): LinuxSyscall | undefined {
  const entry = objectAt(value, path);
  if (!entry) throw decodingFailed(`${path} must be an object`);
  const name = stringAt(entry.name, `${path}.name`);
  const listed = stringsAt(entry.names, `${path}.names`);
  if (name && listed.length > 0) {
    throw EngineError.invalid("'name' and 'names' were specified in the seccomp profile, use either 'name' or 'names'");
  }
  const action = stringAt(entry.action, `${path}.action`);
  if (!action) throw decodingFailed(`${path} has no action`);
  const errnoRet = integerAt(entry.errnoRet, `${path}.errnoRet`);
  const args = arrayAt(entry.args, `${path}.args`).map((arg, i) => seccompArg(arg, `${path}.args[${i}]`));
  const includes = filterAt(entry.includes, `${path}.includes`);
  const excludes = filterAt(entry.excludes, `${path}.excludes`);

  // A minKernel is taken as met: it keeps an included entry and drops an excluded one.
  const excluded =
    excludes.arches.includes(host.arch) ||
    excludes.caps.some((cap) => granted.has(cap)) ||
    excludes.minKernel !== undefined;
  const included =
    (includes.arches.length === 0 || includes.arches.includes(host.arch)) &&
    includes.caps.every((cap) => granted.has(cap));
  const names = name ? [name] : listed;
  if (excluded || !included || names.length === 0) return undefined;

  const rule: LinuxSyscall = { names, action };
  if (errnoRet !== undefined) rule.errnoRet = errnoRet;
  if (args.length > 0) rule.args = args;
  return rule;
}

function seccompArg(value: unknown, path: string): LinuxSeccompArg {
  const arg = objectAt(value, path);
  if (!arg) throw decodingFailed(`${path} must be an object`);
  const op = stringAt(arg.op, `${path}.op`);
  if (!op) throw decodingFailed(`${path} has no op`);
  // Absent numbers mean 0, as in dockerd's decoder.
  const converted: LinuxSeccompArg = {
    index: integerAt(arg.index, `${path}.index`) ?? 0,
    value: integerAt(arg.value, `${path}.value`) ?? 0,
    op,
  };
  const valueTwo = integerAt(arg.valueTwo, `${path}.valueTwo`);
  if (valueTwo !== undefined) converted.valueTwo = valueTwo;
  return converted;
}

function filterAt(value: unknown, path: string): Filter {
  const filter = objectAt(value, path) ?? {};
  return {
    caps: stringsAt(filter.caps, `${path}.caps`),
    arches: stringsAt(filter.arches, `${path}.arches`),
    minKernel: stringAt(filter.minKernel, `${path}.minKernel`) || undefined,
  };
}

function decodingFailed(detail: string): EngineError {
  return EngineError.invalid(`Decoding seccomp profile failed: ${detail}`);
}

// Field readers. Like dockerd's decoder, they take null for "not set".

function objectAt(value: unknown, path: string): JsonObject | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) throw decodingFailed(`${path} must be an object`);
  return value as JsonObject;
}

function arrayAt(value: unknown, path: string): unknown[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw decodingFailed(`${path} must be an array`);
  return value;
}

function stringAt(value: unknown, path: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw decodingFailed(`${path} must be a string`);
  return value;
}

function stringsAt(value: unknown, path: string): string[] {
  return arrayAt(value, path).map((item, i) => {
    if (typeof item !== 'string') throw decodingFailed(`${path}[${i}] must be a string`);
    return item;
  });
}

/** Seccomp numbers are unsigned; beyond 2^53 a JavaScript number would silently change the value. */
function integerAt(value: unknown, path: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw decodingFailed(`${path} must be a non-negative integer below 2^53`);
  }
  return value;
}
