import { execFileSync } from 'node:child_process';
import { chownSync, chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { docker, dockerOk } from '../support/docker-cli';
import { e2eRoot, settings } from '../support/engine';

const image = () => settings().image;

/** An image with a VOLUME at /seed holding a file, the directory owned 1:2 with mode 750. */
async function seededImage(): Promise<string> {
  const root = mkdtempSync(join(e2eRoot, 'seed-'));
  try {
    execFileSync('tar', ['-C', root, '-xf', settings().rootfsTar]);
    mkdirSync(join(root, 'seed'));
    writeFileSync(join(root, 'seed', 'f'), 'hello\n');
    chownSync(join(root, 'seed'), 1, 2);
    chmodSync(join(root, 'seed'), 0o750);
    execFileSync('tar', ['-C', root, '-cf', `${root}.tar`, '.']);
    await dockerOk(['import', '--change', 'VOLUME /seed', `${root}.tar`, 'seeded:e2e']);
    return 'seeded:e2e';
  } finally {
    rmSync(root, { recursive: true, force: true });
    rmSync(`${root}.tar`, { force: true });
  }
}

describe('volumes and bind mounts in containers', () => {
  let hostDir: string;
  beforeAll(() => {
    hostDir = mkdtempSync(join(e2eRoot, 'bind-'));
    writeFileSync(join(hostDir, 'from-host'), 'host data\n');
  });
  afterAll(async () => {
    rmSync(hostDir, { recursive: true, force: true });
    const names = (await dockerOk(['volume', 'ls', '-q'])).split('\n').filter(Boolean);
    if (names.length) await docker(['volume', 'rm', '-f', ...names]);
  });

  it('keeps what a container writes to a named volume for the next container', async () => {
    await dockerOk(['run', '--rm', '-v', 'kept:/data', image(), 'sh', '-c', 'echo persisted > /data/note']);
    expect(await dockerOk(['run', '--rm', '-v', 'kept:/data', image(), 'cat', '/data/note'])).toBe('persisted\n');
    expect(await dockerOk(['volume', 'ls', '--format', '{{.Name}}', '--filter', 'name=kept'])).toBe('kept\n');
  });

  it('fills a new named or anonymous volume with the image\'s content, its owner and mode, but not a volume that has data or nocopy', async () => {
    const seeded = await seededImage();
    expect(await dockerOk(['run', '--rm', '-v', 'seeded:/seed', seeded, 'sh', '-c', 'cat /seed/f; stat -c "%u:%g %a" /seed'])).toBe('hello\n1:2 750\n');
    expect(await dockerOk(['run', '--rm', seeded, 'sh', '-c', 'cat /seed/f; stat -c "%u:%g %a" /seed'])).toBe('hello\n1:2 750\n');
    await dockerOk(['run', '--rm', '-v', 'seeded:/seed', image(), 'sh', '-c', 'rm /seed/f; echo mine > /seed/g']);
    expect(await dockerOk(['run', '--rm', '-v', 'seeded:/seed', seeded, 'ls', '/seed'])).toBe('g\n');
    expect(await dockerOk(['run', '--rm', '--mount', 'type=volume,source=bare,target=/seed,volume-nocopy', seeded, 'ls', '-A', '/seed'])).toBe('');
    // --rm took the anonymous volume of the second run with it.
    expect((await dockerOk(['volume', 'ls', '-q'])).split('\n').filter((n) => /^[0-9a-f]{64}$/.test(n))).toEqual([]);
  });

  it('binds host directories: read-only refuses writes, a missing -v source is made, a missing --mount source refused', async () => {
    const ro = await docker(['run', '--rm', '-v', `${hostDir}:/host:ro`, image(), 'sh', '-c', 'cat /host/from-host; echo x > /host/new']);
    expect(ro.stdout).toBe('host data\n');
    expect(ro.stderr).toContain('Read-only file system');
    expect(existsSync(join(hostDir, 'new'))).toBe(false);
    await dockerOk(['run', '--rm', '-v', `${hostDir}:/host`, image(), 'sh', '-c', 'echo from-container > /host/written']);
    expect(readFileSync(join(hostDir, 'written'), 'utf8')).toBe('from-container\n');

    const made = join(hostDir, 'made', 'here');
    await dockerOk(['run', '--rm', '-v', `${made}:/m`, image(), 'true']);
    expect(statSync(made).isDirectory()).toBe(true);
    const refused = await docker(['run', '--rm', '--mount', `type=bind,source=${join(hostDir, 'absent')},target=/m`, image(), 'true']);
    expect(refused.code).toBe(125);
    expect(refused.stderr).toContain(`invalid mount config for type "bind": bind source path does not exist: ${join(hostDir, 'absent')}`);
  });

  it('propagates host mounts into a shared bind, and refuses one whose host mount does not propagate', async () => {
    const dir = join(hostDir, 'propagating');
    mkdirSync(join(dir, 'later'), { recursive: true });
    execFileSync('mount', ['--bind', dir, dir]);
    try {
      execFileSync('mount', ['--make-private', dir]);
      const refused = await docker(['run', '--rm', '--mount', `type=bind,source=${dir},target=/p,bind-propagation=rshared`, image(), 'true']);
      expect(refused.stderr).toContain(`path ${dir} is mounted on ${dir} but it is not a shared mount`);
      expect((await docker(['run', '--rm', '-v', `${dir}:/p:rslave`, image(), 'true'])).stderr).toContain('but it is not a shared or slave mount');

      execFileSync('mount', ['--make-shared', dir]);
      await dockerOk(['run', '-d', '--name', 'propagation', '--mount', `type=bind,source=${dir},target=/p,bind-propagation=rshared`, image(), 'sleep', '60']);
      execFileSync('mount', ['-t', 'tmpfs', 'tmpfs', join(dir, 'later')]);
      // Mounted on the host after the start, seen in the container.
      expect(await dockerOk(['exec', 'propagation', 'grep', '-c', ' /p/later ', '/proc/mounts'])).toBe('1\n');
    } finally {
      await docker(['rm', '-f', 'propagation']);
      execFileSync('umount', ['-R', dir]);
    }
  });

  it('writes to volumes of a --read-only container, and to its --mount tmpfs', async () => {
    const result = await docker(['run', '--rm', '--read-only', '-v', 'writable:/w', '--mount', 'type=tmpfs,target=/t,tmpfs-size=1m', image(), 'sh', '-c', 'echo x > /w/f && echo x > /t/f && echo ok; grep " /t " /proc/mounts; echo y > /f']);
    expect(result.stdout).toMatch(/^ok\ntmpfs \/t tmpfs rw,nosuid,nodev,noexec,relatime,size=1024k/);
    expect(result.stderr).toContain('Read-only file system');
    expect(result.code).toBe(1);
  });

  it('shows Mounts in inspect and ps as dockerd does, and removes only anonymous volumes with rm -v', async () => {
    const id = (
      await dockerOk(['create', '-v', 'named:/data', '-v', '/anon', '-v', `${hostDir}:/host:ro`, '--mount', 'type=tmpfs,destination=/t', '--mount', 'type=volume,source=other,target=/other,readonly', image(), 'true'])
    ).trim();
    const [inspect] = JSON.parse(await dockerOk(['inspect', id]));
    const anonymous = inspect.Mounts.find((m: { Destination: string }) => m.Destination === '/anon').Name;
    const volumes = `${settings().stateDir}/container/volumes`;
    const byDestination = (a: { Destination: string }, b: { Destination: string }) => a.Destination.localeCompare(b.Destination);
    expect([...inspect.Mounts].sort(byDestination)).toEqual([
      { Type: 'volume', Name: anonymous, Source: `${volumes}/${anonymous}/_data`, Destination: '/anon', Driver: 'local', Mode: '', RW: true, Propagation: '' },
      { Type: 'volume', Name: 'named', Source: `${volumes}/named/_data`, Destination: '/data', Driver: 'local', Mode: 'z', RW: true, Propagation: '' },
      { Type: 'bind', Source: hostDir, Destination: '/host', Mode: 'ro', RW: false, Propagation: 'rprivate' },
      { Type: 'volume', Name: 'other', Source: `${volumes}/other/_data`, Destination: '/other', Driver: 'local', Mode: 'z', RW: false, Propagation: '' },
      { Type: 'tmpfs', Source: '', Destination: '/t', Mode: '', RW: true, Propagation: '' },
    ]);
    expect([...inspect.HostConfig.Binds].sort()).toEqual([`${hostDir}:/host:ro`, 'named:/data']);
    expect(inspect.Config.Volumes).toEqual({ '/anon': {} });
    expect(await dockerOk(['ps', '-a', '--filter', 'volume=named', '--format', '{{.ID}} {{.Mounts}}'])).toMatch(new RegExp(`^${id.slice(0, 12)} .*named`));

    const borrower = (await dockerOk(['create', '--volumes-from', `${id}:ro`, image(), 'true'])).trim();
    const [borrowed] = JSON.parse(await dockerOk(['inspect', borrower]));
    expect(borrowed.Mounts.map((m: { Destination: string; RW: boolean }) => `${m.Destination} ${m.RW}`).sort()).toEqual(['/anon false', '/data false', '/host false', '/other false']);
    await dockerOk(['rm', borrower]);

    await dockerOk(['rm', '-v', id]);
    const left = (await dockerOk(['volume', 'ls', '-q'])).split('\n');
    expect(left).toEqual(expect.arrayContaining(['named', 'other']));
    expect(left).not.toContain(anonymous);
  });

  it('mounts a volume with tmpfs options while a container uses it', async () => {
    await dockerOk(['volume', 'create', '--opt', 'type=tmpfs', '--opt', 'device=tmpfs', '--opt', 'o=size=2m,mode=1777', 'scratch']);
    const [volume] = JSON.parse(await dockerOk(['volume', 'inspect', 'scratch']));
    expect(volume.Options).toEqual({ device: 'tmpfs', o: 'size=2m,mode=1777', type: 'tmpfs' });
    const id = (await dockerOk(['run', '-d', '-v', 'scratch:/scratch', image(), 'sleep', '60'])).trim();
    const mounted = () => readFileSync('/proc/self/mountinfo', 'utf8').includes(volume.Mountpoint);
    expect(mounted()).toBe(true);
    expect(await dockerOk(['exec', id, 'sh', '-c', 'grep " /scratch " /proc/mounts'])).toMatch(/^tmpfs \/scratch tmpfs rw,.*size=2048k/);
    await dockerOk(['rm', '-f', id]);
    expect(mounted()).toBe(false);
    await dockerOk(['volume', 'rm', 'scratch']);
  });

  it('refuses bad mount specifications with 400 and leaves nothing behind', async () => {
    const before = await dockerOk(['ps', '-aq']);
    for (const [args, message] of [
      [['-v', 'v1:relative'], `invalid volume specification: 'v1:relative': invalid mount config for type "volume": invalid mount path: 'relative' mount path must be absolute`],
      [['-v', 'da:/x', '-v', 'db:/x'], 'Duplicate mount point: /x'],
      [['-v', 'dc:/x', '--tmpfs', '/x'], 'Duplicate mount point: /x'],
      [['-v', 'bad name:/x'], 'includes invalid characters for a local volume name'],
    ] as [string[], string][]) {
      const result = await docker(['create', ...args, image(), 'true']);
      expect(result.code).not.toBe(0);
      expect(result.stderr).toContain(message);
    }
    expect(await dockerOk(['ps', '-aq'])).toBe(before);
    expect((await dockerOk(['volume', 'ls', '-q'])).split('\n')).not.toEqual(expect.arrayContaining(['da']));
  });
});
