import { parseMountRequests } from './mount-requests';

const parse = (hostConfig: Record<string, unknown>, volumes?: Record<string, object>) => parseMountRequests({ Volumes: volumes }, hostConfig);

describe('parseMountRequests', () => {
  it('reads -v as dockerd: a host path is a bind, a name a volume (mode z by default), a path alone an anonymous volume', () => {
    const { mounts, problems } = parse({ Binds: ['/srv/data:/data:ro,rshared', 'cache:/cache', 'logs:/logs:nocopy', '/anon'] });
    expect(problems).toEqual([]);
    expect(mounts).toEqual([
      expect.objectContaining({ type: 'bind', source: '/srv/data', destination: '/data', mode: 'ro,rshared', readOnly: true, propagation: 'rshared', createSource: true }),
      expect.objectContaining({ type: 'volume', source: 'cache', destination: '/cache', mode: 'z', readOnly: false, createSource: false }),
      expect.objectContaining({ type: 'volume', source: 'logs', mode: 'nocopy', noCopy: true }),
      expect.objectContaining({ type: 'volume', source: '', destination: '/anon', mode: '' }),
    ]);
  });

  it('reads --mount with its options', () => {
    const { mounts, problems } = parse({
      Mounts: [
        { Type: 'bind', Source: '/srv', Target: '/srv', ReadOnly: true, BindOptions: { Propagation: 'rslave', CreateMountpoint: true } },
        { Type: 'volume', Source: 'db', Target: '/db', VolumeOptions: { NoCopy: true, Subpath: 'pg/data', Labels: { a: 'b' }, DriverConfig: { Name: 'local', Options: { type: 'tmpfs', device: 'tmpfs' } } } },
        { Type: 'tmpfs', Target: '/run', TmpfsOptions: { SizeBytes: 1048576, Mode: 0o700 } },
      ],
    });
    expect(problems).toEqual([]);
    expect(mounts[0]).toMatchObject({ type: 'bind', readOnly: true, propagation: 'rslave', createSource: true, mode: '' });
    expect(mounts[1]).toMatchObject({ type: 'volume', source: 'db', mode: 'z', noCopy: true, subpath: 'pg/data', volume: { driver: 'local', options: { type: 'tmpfs', device: 'tmpfs' }, labels: { a: 'b' } } });
    expect(mounts[2]).toMatchObject({ type: 'tmpfs', tmpfsOptions: ['size=1048576', 'mode=700'] });
  });

  it('adds an anonymous volume for each Config.Volumes path nothing else mounts', () => {
    const { mounts } = parse({ Binds: ['data:/data'], Tmpfs: { '/run': '' } }, { '/data': {}, '/run': {}, '/var/lib/app/': {} });
    expect(mounts.map((m) => [m.destination, m.source])).toEqual([
      ['/data', 'data'],
      ['/var/lib/app', ''],
    ]);
  });

  it('reports every problem with dockerd\'s words', () => {
    const { problems } = parse({
      Binds: ['v1:relative', 'a:b:c:d', '/x:/y:bogus', 'v2:/p:rshared', '/dup:/dup', 'other:/dup/'],
      Mounts: [
        { Type: 'bind', Target: '/b' },
        { Type: 'bind', Source: '/s', Target: '/c', VolumeOptions: {} },
        { Type: 'tmpfs', Source: 'x', Target: '/t' },
        { Type: 'npipe', Target: '/n' },
        { Type: 'volume', Target: '' },
        { Type: 'volume', Source: 'v', Target: '/sub', VolumeOptions: { Subpath: '../escape' } },
        { Type: 'volume', Source: 'v', Target: '/run' },
      ],
      Tmpfs: { '/run': '' },
      VolumesFrom: ['web:rx'],
    });
    expect(problems).toEqual([
      `invalid volume specification: 'v1:relative': invalid mount config for type "volume": invalid mount path: 'relative' mount path must be absolute`,
      `invalid volume specification: 'a:b:c:d'`,
      'invalid mode: bogus',
      `invalid volume specification: 'v2:/p:rshared': invalid mount config for type "volume": propagation can only be set for bind mounts`,
      'Duplicate mount point: /dup',
      'invalid mount config for type "bind": field Source must not be empty',
      'invalid mount config for type "bind": field VolumeOptions must not be specified',
      'invalid mount config for type "tmpfs": field Source must not be specified',
      'invalid mount config for type "npipe": mount type unknown',
      'invalid mount config for type "volume": field Target must not be empty',
      'invalid mount config for type "volume": subpath must be a relative path within the volume: ../escape',
      'Duplicate mount point: /run',
      'invalid mode: rx',
    ]);
  });

  it('reads --volumes-from with its mode', () => {
    expect(parse({ VolumesFrom: ['web', 'db:ro', 'cache:rw'] }).volumesFrom).toEqual([
      { container: 'web', readOnly: undefined },
      { container: 'db', readOnly: true },
      { container: 'cache', readOnly: false },
    ]);
  });
});
