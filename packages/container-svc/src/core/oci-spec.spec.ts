import { buildOciSpec, maskedPaths, type SpecInput } from './oci-spec';
import { fakeHost } from '../testing/fake-ports';

/** The spec as the JSON runc reads, walked freely by the assertions. */
function spec(hostConfig: SpecInput['hostConfig'], config: SpecInput['config'] = {}, mounts: SpecInput['mounts'] = []) {
  const built = buildOciSpec({
    id: 'c1',
    config,
    hostConfig: { ShmSize: 1024, ...hostConfig },
    path: 'sh',
    args: ['-c', 'true'],
    hostname: 'c1',
    netnsPath: '/netns/c1',
    cgroupParent: '/flotilla',
    files: { hostname: '/f/hostname', hosts: '/f/hosts', resolvConf: '/f/resolv.conf' },
    user: { uid: 1000, gid: 1000, additionalGids: [10] },
    host: fakeHost,
    devices: [{ path: '/dev/fuse', type: 'c', major: 10, minor: 229, fileMode: 0o666, uid: 0, gid: 0 }],
    mounts,
  });
  return JSON.parse(JSON.stringify(built));
}

const mountAt = (s: ReturnType<typeof spec>, destination: string) => s.mounts.find((m: { destination: string }) => m.destination === destination);

describe('buildOciSpec', () => {
  it('confines a default container as dockerd does', () => {
    const s = spec({});
    expect(s.process.user).toEqual({ uid: 1000, gid: 1000, additionalGids: [1000, 10] });
    expect(s.process.capabilities.bounding).toHaveLength(14);
    expect(s.process.noNewPrivileges).toBe(false);
    expect(s.linux.maskedPaths).toEqual(maskedPaths);
    expect(s.linux.seccomp.defaultAction).toBe('SCMP_ACT_ERRNO');
    expect(mountAt(s, '/sys').options).toContain('ro');
    expect(s.linux.namespaces.map((n: { type: string }) => n.type)).toEqual(['mount', 'pid', 'ipc', 'uts', 'network']);
    expect(s.linux.devices).toBeUndefined();
  });

  it('lifts every confinement for a privileged container', () => {
    const s = spec({ Privileged: true });
    expect(s.process.capabilities.bounding).toEqual(fakeHost.capabilities);
    expect(s.linux.seccomp).toBeUndefined();
    expect(s.linux.maskedPaths).toEqual([]);
    expect(s.linux.readonlyPaths).toEqual([]);
    expect(s.linux.resources.devices).toEqual([{ allow: true, access: 'rwm' }]);
    expect(s.linux.devices).toEqual([expect.objectContaining({ path: '/dev/fuse' })]);
    expect(mountAt(s, '/sys').options).not.toContain('ro');
  });

  it('applies security options, limits and kernel settings', () => {
    const s = spec({
      SecurityOpt: ['no-new-privileges', 'seccomp=unconfined'],
      CapAdd: ['NET_ADMIN'],
      Memory: 64 << 20,
      PidsLimit: 20,
      Sysctls: { 'net.ipv4.ip_forward': '1' },
      Ulimits: [{ Name: 'nofile', Soft: 100, Hard: 200 }],
      OomScoreAdj: 500,
      Tmpfs: { '/run': 'size=1m' },
    });
    expect(s.process.noNewPrivileges).toBe(true);
    expect(s.linux.seccomp).toBeUndefined();
    expect(s.process.capabilities.bounding).toContain('CAP_NET_ADMIN');
    expect(s.linux.resources).toMatchObject({ memory: { limit: 64 << 20 }, pids: { limit: 20 } });
    expect(s.linux.sysctl).toEqual({ 'net.ipv4.ip_forward': '1' });
    expect(s.process.rlimits).toEqual([{ type: 'RLIMIT_NOFILE', soft: 100, hard: 200 }]);
    expect(s.process.oomScoreAdj).toBe(500);
    expect(mountAt(s, '/run')).toEqual({ destination: '/run', type: 'tmpfs', source: 'tmpfs', options: ['noexec', 'nosuid', 'nodev', 'size=1m'] });
  });

  it('runs the command under the host\'s init with --init', () => {
    const s = spec({ Init: true });
    expect(s.process.args).toEqual(['/sbin/docker-init', '--', 'sh', '-c', 'true']);
    expect(mountAt(s, '/sbin/docker-init')).toMatchObject({ source: '/usr/bin/tini-static', options: expect.arrayContaining(['ro']) });
  });

  it('shares the host\'s namespaces it is told to, and names no hostname without its own UTS', () => {
    const s = spec({ PidMode: 'host', IpcMode: 'host', UTSMode: 'host' }, { Domainname: 'example.test' });
    expect(s.linux.namespaces.map((n: { type: string }) => n.type)).toEqual(['mount', 'network']);
    expect(s.hostname).toBeUndefined();
    expect(mountAt(s, '/dev/shm')).toMatchObject({ type: 'bind', source: '/dev/shm' });
  });

  it('mounts volumes, binds and tmpfs after the defaults, parents first; a user mount replaces the engine\'s /etc file', () => {
    const s = spec({}, {}, [
      { type: 'volume', destination: '/data/cache', source: '/v/cache/_data', name: 'cache', driver: 'local', mode: 'z', rw: true, propagation: '' },
      { type: 'bind', destination: '/etc/hosts', source: '/srv/hosts', mode: 'ro', rw: false, propagation: 'rprivate' },
      { type: 'bind', destination: '/data', source: '/srv/data', mode: '', rw: true, propagation: 'rshared', nonRecursive: true },
      { type: 'tmpfs', destination: '/scratch', source: '', mode: '', rw: true, propagation: '', tmpfsOptions: ['size=1048576'] },
    ]);
    const destinations = s.mounts.map((m: { destination: string }) => m.destination);
    expect(destinations.filter((d: string) => d === '/etc/hosts')).toHaveLength(1);
    expect(destinations.indexOf('/data')).toBeLessThan(destinations.indexOf('/data/cache'));
    expect(mountAt(s, '/etc/hosts')).toEqual({ destination: '/etc/hosts', type: 'bind', source: '/srv/hosts', options: ['rbind', 'rprivate', 'ro'] });
    expect(mountAt(s, '/data').options).toEqual(['bind', 'rshared', 'rw']);
    expect(mountAt(s, '/data/cache')).toEqual({ destination: '/data/cache', type: 'bind', source: '/v/cache/_data', options: ['rbind', 'rprivate', 'rw'] });
    expect(mountAt(s, '/scratch')).toEqual({ destination: '/scratch', type: 'tmpfs', source: 'tmpfs', options: ['noexec', 'nosuid', 'nodev', 'size=1048576', 'rw'] });
  });
});
