import { posix } from 'node:path';
import type { DockerConfig, HostConfig } from './container-record.js';

export type MountType = 'bind' | 'volume' | 'tmpfs';

/** A mount as a create asks for it (-v, --mount, VOLUME, -v /path), before its volume is claimed. */
export interface MountRequest {
  type: MountType;
  destination: string;
  /** bind: the host path; volume: the name, empty for an anonymous volume; tmpfs: empty. */
  source: string;
  readOnly: boolean;
  /** The mode of a -v as given; empty for --mount. */
  mode: string;
  /** Empty for the default (rprivate). */
  propagation: string;
  /** -v makes a missing host directory; --mount refuses it unless asked to (CreateMountpoint). */
  createSource: boolean;
  /** The image's files at the destination are not copied into a new volume. */
  noCopy: boolean;
  /** --mount volume-subpath: a directory of the volume instead of its root. */
  subpath: string;
  /** --mount volume-driver, volume-opt, volume-label: for a volume created by this mount. */
  volume: { driver: string; options: Record<string, string>; labels: Record<string, string> };
  /** mount(8) options of a --mount tmpfs. */
  tmpfsOptions: string[];
  nonRecursive: boolean;
}

/** `--volumes-from name[:ro|rw]`. */
export interface VolumesFromRequest {
  container: string;
  /** Undefined keeps each mount as the other container has it. */
  readOnly: boolean | undefined;
}

/** Docker's mount.Mount, as `--mount` sends it in HostConfig.Mounts. */
interface DockerMount {
  Type?: string;
  Source?: string;
  Target?: string;
  ReadOnly?: boolean;
  BindOptions?: { Propagation?: string; NonRecursive?: boolean; CreateMountpoint?: boolean } | null;
  VolumeOptions?: { NoCopy?: boolean; Labels?: Record<string, string> | null; DriverConfig?: { Name?: string; Options?: Record<string, string> | null } | null; Subpath?: string } | null;
  TmpfsOptions?: { SizeBytes?: number; Mode?: number; Options?: string[][] | null } | null;
}

const propagations = new Set(['shared', 'rshared', 'slave', 'rslave', 'private', 'rprivate']);
const labelModes = new Set(['z', 'Z']);
const consistencies = new Set(['consistent', 'cached', 'delegated']);

/** A -v mode: comma-separated, at most one of each kind (ro/rw, propagation, SELinux label, nocopy, consistency). */
function parseMode(mode: string): { readOnly: boolean; propagation: string; noCopy: boolean } | undefined {
  const seen = new Set<string>();
  const result = { readOnly: false, propagation: '', noCopy: false };
  for (const flag of mode.split(',')) {
    const kind =
      flag === 'ro' || flag === 'rw' ? 'rw' : propagations.has(flag) ? 'propagation' : labelModes.has(flag) ? 'label' : flag === 'nocopy' ? 'copy' : consistencies.has(flag) ? 'consistency' : undefined;
    if (!kind || seen.has(kind)) return undefined;
    seen.add(kind);
    if (flag === 'ro') result.readOnly = true;
    if (kind === 'propagation') result.propagation = flag;
    if (flag === 'nocopy') result.noCopy = true;
  }
  return result;
}

const emptyVolume = () => ({ driver: '', options: {}, labels: {} });

function request(fields: Partial<MountRequest> & Pick<MountRequest, 'type' | 'destination'>): MountRequest {
  return { source: '', readOnly: false, mode: '', propagation: '', createSource: false, noCopy: false, subpath: '', volume: emptyVolume(), tmpfsOptions: [], nonRecursive: false, ...fields };
}

const isAbsolute = (path: string) => path.startsWith('/');

/** A path as Go's filepath.Clean writes it: `/data/` and `/data/./` are `/data`. */
const cleanPath = (path: string) => posix.normalize(path).replace(/(.)\/+$/, '$1');

/** What a mount path problem reads like, as dockerd words it. */
function pathProblem(type: MountType, path: string): string | undefined {
  if (!isAbsolute(path)) return `invalid mount config for type "${type}": invalid mount path: '${path}' mount path must be absolute`;
  if (cleanPath(path) === '/') return `invalid mount config for type "${type}": invalid specification: destination can't be '/'`;
  return undefined;
}

/** `-v [source:]destination[:mode]`: a host path source makes a bind, a name a volume, none an anonymous volume. */
function parseBind(raw: string): MountRequest | string {
  const invalid = `invalid volume specification: '${raw}'`;
  const parts = raw.split(':');
  if (raw === '' || parts.length > 3) return invalid;
  const [source, destination, mode] = parts.length === 1 ? ['', parts[0], ''] : [parts[0], parts[1], parts[2] ?? ''];
  // `/foo:rw` names no destination: a volume's mode needs one.
  if (parts.length === 2 && parseMode(destination)) return invalid;
  const flags = mode ? parseMode(mode) : { readOnly: false, propagation: '', noCopy: false };
  if (!flags) return `invalid mode: ${mode}`;
  const type: MountType = isAbsolute(source) ? 'bind' : 'volume';
  const problem = pathProblem(type, destination);
  if (problem) return `${invalid}: ${problem}`;
  if (type === 'volume' && source && flags.propagation) return `${invalid}: invalid mount config for type "volume": propagation can only be set for bind mounts`;
  // A named volume without a mode shows dockerd's default SELinux relabel mode.
  const shownMode = mode || (type === 'volume' && source ? 'z' : '');
  return request({ type, destination, source, mode: shownMode, readOnly: flags.readOnly, propagation: flags.propagation, noCopy: flags.noCopy, createSource: type === 'bind' });
}

/** The mount(8) options of a `--mount type=tmpfs`. */
function tmpfsOptionsOf(options: NonNullable<DockerMount['TmpfsOptions']>): string[] {
  const flags: string[] = [];
  if (options.SizeBytes) flags.push(`size=${options.SizeBytes}`);
  if (options.Mode) flags.push(`mode=${options.Mode.toString(8)}`);
  for (const option of options.Options ?? []) flags.push(option.join('='));
  return flags;
}

/** One `--mount`, checked as dockerd's validateMountConfig does. */
function parseMount(mount: DockerMount): MountRequest | string {
  const type = mount.Type ?? '';
  if (type !== 'bind' && type !== 'volume' && type !== 'tmpfs') return `invalid mount config for type "${type}": mount type unknown`;
  const fail = (message: string) => `invalid mount config for type "${type}": ${message}`;
  const target = mount.Target ?? '';
  if (!target) return fail('field Target must not be empty');
  const targetProblem = pathProblem(type, target);
  if (targetProblem) return targetProblem;
  const misplaced = (['BindOptions', 'VolumeOptions', 'TmpfsOptions'] as const).find((field) => mount[field] && field !== `${type[0].toUpperCase()}${type.slice(1)}Options`);
  if (misplaced) return fail(`field ${misplaced} must not be specified`);
  const source = mount.Source ?? '';
  const readOnly = mount.ReadOnly === true;
  if (type === 'bind') {
    if (!source) return fail('field Source must not be empty');
    if (!isAbsolute(source)) return fail(`invalid mount path: '${source}' mount path must be absolute`);
    const propagation = mount.BindOptions?.Propagation ?? '';
    if (propagation && !propagations.has(propagation)) return fail(`invalid propagation mode: ${propagation}`);
    return request({ type, destination: target, source, readOnly, propagation, createSource: mount.BindOptions?.CreateMountpoint === true, nonRecursive: mount.BindOptions?.NonRecursive === true });
  }
  if (type === 'tmpfs') {
    if (source) return fail('field Source must not be specified');
    return request({ type, destination: target, readOnly, tmpfsOptions: tmpfsOptionsOf(mount.TmpfsOptions ?? {}) });
  }
  const options = mount.VolumeOptions ?? {};
  const subpath = options.Subpath ?? '';
  if (subpath && (isAbsolute(subpath) || posix.normalize(subpath).split('/').includes('..'))) return fail(`subpath must be a relative path within the volume: ${subpath}`);
  return request({
    type,
    destination: target,
    source,
    mode: 'z',
    readOnly,
    noCopy: options.NoCopy === true,
    subpath,
    volume: { driver: options.DriverConfig?.Name ?? '', options: options.DriverConfig?.Options ?? {}, labels: options.Labels ?? {} },
  });
}

function parseVolumesFrom(raw: string): VolumesFromRequest | string {
  const [container, mode, ...rest] = raw.split(':');
  if (!container || rest.length) return `invalid volumes-from specification: '${raw}'`;
  if (mode !== undefined && mode !== 'ro' && mode !== 'rw') return `invalid mode: ${mode}`;
  return { container, readOnly: mode === undefined ? undefined : mode === 'ro' };
}

/**
 * The mounts a create asks for, with every problem found: Binds (-v), Mounts (--mount), then an
 * anonymous volume for each Config.Volumes path (the image's VOLUMEs and -v /path) that nothing
 * else mounts. Two mounts on one destination are refused, as dockerd refuses them.
 */
export function parseMountRequests(config: DockerConfig, hostConfig: HostConfig): { mounts: MountRequest[]; volumesFrom: VolumesFromRequest[]; problems: string[] } {
  const problems: string[] = [];
  const mounts: MountRequest[] = [];
  const taken = new Set<string>();
  const tmpfs = new Set(Object.keys(hostConfig.Tmpfs ?? {}).map(cleanPath));
  const add = (parsed: MountRequest | string) => {
    if (typeof parsed === 'string') return problems.push(parsed);
    const destination = cleanPath(parsed.destination);
    if (taken.has(destination) || tmpfs.has(destination)) return problems.push(`Duplicate mount point: ${destination}`);
    taken.add(destination);
    mounts.push({ ...parsed, destination });
  };
  for (const bind of (hostConfig.Binds as string[] | null | undefined) ?? []) add(parseBind(bind));
  for (const mount of (hostConfig.Mounts as DockerMount[] | null | undefined) ?? []) add(parseMount(mount));
  for (const path of Object.keys(config.Volumes ?? {})) {
    const destination = cleanPath(path);
    if (taken.has(destination) || tmpfs.has(destination)) continue;
    const problem = pathProblem('volume', path);
    if (problem) problems.push(`invalid volume specification: '${path}': ${problem}`);
    else add(request({ type: 'volume', destination }));
  }
  const volumesFrom: VolumesFromRequest[] = [];
  for (const raw of (hostConfig.VolumesFrom as string[] | null | undefined) ?? []) {
    const parsed = parseVolumesFrom(raw);
    if (typeof parsed === 'string') problems.push(parsed);
    else volumesFrom.push(parsed);
  }
  return { mounts, volumesFrom, problems };
}
