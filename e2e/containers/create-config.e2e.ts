import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { docker, dockerOk } from '../support/docker-cli';
import { e2eRoot, settings } from '../support/engine';
import { rawRequest } from '../support/raw-http';

const image = () => settings().image;
const run = (...args: string[]) => dockerOk(['run', '--rm', ...args]);
/** One field of /proc/self/status inside a container run with `options`. */
const status = async (field: string, ...options: string[]) => (await run(...options, image(), 'grep', `^${field}:`, '/proc/self/status')).split(/\s+/)[1];

describe('container config: users', () => {
  it('runs as root with the groups /etc/group gives root', async () => {
    expect(await run(image(), 'id')).toBe('uid=0(root) gid=0(root) groups=0(root),10(wheel)\n');
  });

  it('resolves user and group names from the container\'s own files', async () => {
    expect(await run('-u', 'nobody', image(), 'id')).toBe('uid=65534(nobody) gid=65534(nogroup) groups=65534(nogroup)\n');
    expect(await run('-u', 'mail:wheel', image(), 'id')).toBe('uid=8(mail) gid=10(wheel) groups=10(wheel)\n');
    expect(await run('-u', '4242:4343', image(), 'id')).toBe('uid=4242 gid=4343 groups=4343\n');
    expect(await run('--group-add', 'users', '--group-add', '777', image(), 'id')).toBe('uid=0(root) gid=0(root) groups=0(root),10(wheel),100(users),777\n');
    expect(await run('-u', 'nobody', image(), 'sh', '-c', 'echo $HOME')).toBe('/home\n');
  });

  it('refuses a user the container does not have, leaving no container', async () => {
    const before = await dockerOk(['ps', '-aq']);
    const result = await docker(['run', '--rm', '-u', 'nosuch', image(), 'id']);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('unable to find user nosuch: no matching entries in passwd file');
    expect(await dockerOk(['ps', '-aq'])).toBe(before);
  });
});

describe('container config: security', () => {
  it('confines a container by default: Docker\'s capabilities, seccomp filter, masked /proc paths', async () => {
    expect(await status('CapEff')).toBe('00000000a80425fb');
    expect(await status('Seccomp')).toBe('2');
    expect(await status('NoNewPrivs')).toBe('0');
    const mount = await docker(['run', '--rm', image(), 'mount', '-t', 'tmpfs', 'none', '/tmp']);
    expect(mount.code).not.toBe(0);
    expect(await run(image(), 'sh', '-c', 'cat /proc/kcore | wc -c')).toBe('0\n');
  });

  it('adds and drops capabilities, and sets no-new-privileges', async () => {
    expect(await status('CapEff', '--cap-drop', 'ALL', '--cap-add', 'KILL')).toBe('0000000000000020');
    expect(await run('--cap-add', 'SYS_ADMIN', image(), 'sh', '-c', 'mount -t tmpfs none /tmp && echo mounted')).toBe('mounted\n');
    expect(await status('NoNewPrivs', '--security-opt', 'no-new-privileges')).toBe('1');
  });

  it('runs without a seccomp filter when unconfined or privileged', async () => {
    expect(await status('Seccomp', '--security-opt', 'seccomp=unconfined')).toBe('0');
    expect(await run('--privileged', image(), 'sh', '-c', 'grep ^Seccomp: /proc/self/status; mount -t tmpfs none /tmp && echo mounted; test -c /dev/kmsg && echo devices')).toBe(
      'Seccomp:\t0\nmounted\ndevices\n',
    );
  });

  it('applies a seccomp profile in Docker\'s format', async () => {
    // The CLI reads the file and sends its content.
    const profile = join(e2eRoot, 'no-mkdir-seccomp.json');
    writeFileSync(profile, JSON.stringify({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO' }] }));
    const result = await docker(['run', '--rm', '--security-opt', `seccomp=${profile}`, image(), 'mkdir', '/tmp/x']);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('Operation not permitted');
  });

  it('mounts the root filesystem read-only with --read-only', async () => {
    const result = await docker(['run', '--rm', '--read-only', image(), 'touch', '/x']);
    expect(result.stderr).toContain('Read-only file system');
  });
});

describe('container config: resources and kernel settings', () => {
  it('writes memory, CPU and pids limits into the container\'s cgroup', async () => {
    const limits = await run('-m', '32m', '--cpus', '0.5', '--pids-limit', '50', '--cpu-shares', '512', image(), 'cat',
      '/sys/fs/cgroup/memory/memory.limit_in_bytes', '/sys/fs/cgroup/cpu/cpu.cfs_quota_us', '/sys/fs/cgroup/cpu/cpu.cfs_period_us', '/sys/fs/cgroup/pids/pids.max', '/sys/fs/cgroup/cpu/cpu.shares');
    expect(limits).toBe('33554432\n50000\n100000\n50\n512\n');
  });

  it('sets ulimits, namespaced sysctls, tmpfs mounts and shm size', async () => {
    expect(await run('--ulimit', 'nofile=100:200', image(), 'sh', '-c', 'ulimit -n; ulimit -Hn')).toBe('100\n200\n');
    expect(await run('--sysctl', 'net.ipv4.ip_forward=1', image(), 'cat', '/proc/sys/net/ipv4/ip_forward')).toBe('1\n');
    expect(await run('--tmpfs', '/run:size=1m', image(), 'grep', ' /run ', '/proc/mounts')).toMatch(/^tmpfs \/run tmpfs rw,nosuid,nodev,noexec,relatime,size=1024k/);
    expect(await run('--shm-size', '2m', image(), 'grep', ' /dev/shm ', '/proc/mounts')).toContain('size=2048k');
  });

  it('runs the command under an init with --init', async () => {
    expect(await run('--init', image(), 'cat', '/proc/1/cmdline')).toBe('/sbin/docker-init\0--\0cat\0/proc/1/cmdline\0');
  });

  it('writes --add-host and --dns settings into the container\'s files', async () => {
    const files = await run('--add-host', 'db:10.1.2.3', '--dns', '192.0.2.53', '--dns-search', 'example.test', '--dns-option', 'ndots:2', '--hostname', 'web', image(), 'sh', '-c',
      'grep db /etc/hosts; cat /etc/resolv.conf; hostname');
    expect(files).toBe('10.1.2.3\tdb\nsearch example.test\nnameserver 192.0.2.53\noptions ndots:2\nweb\n');
  });
});

describe('container config: validation', () => {
  it('answers 400 listing every problem of a create, and creates nothing', async () => {
    const before = await dockerOk(['ps', '-aq']);
    const body = {
      Image: image(),
      StopSignal: 'SIGFOO',
      HostConfig: {
        Memory: 1024,
        NanoCpus: 64e9,
        CapAdd: ['FLY'],
        Ulimits: [{ Name: 'bogus', Soft: 1, Hard: 1 }],
        Sysctls: { 'kernel.panic': '1' },
        RestartPolicy: { Name: 'always', MaximumRetryCount: 3 },
      },
    };
    const res = await rawRequest('POST', '/v1.45/containers/create', JSON.stringify(body), { 'Content-Type': 'application/json' });
    expect(res.status).toBe(400);
    const problems = JSON.parse(res.body).message.split('\n');
    expect(problems).toEqual(
      expect.arrayContaining([
        'Invalid signal: SIGFOO',
        "invalid restart policy: maximum retry count can only be used with 'on-failure'",
        'invalid capability: CAP_FLY',
        'invalid ulimit type: bogus',
        'Minimum memory limit allowed is 6MB',
        expect.stringMatching(/^Range of CPUs is from 0.01 to \d+\.00, as there are only \d+ CPUs available$/),
        expect.stringContaining('sysctl "kernel.panic" is not allowed'),
      ]),
    );
    expect(problems).toHaveLength(7);
    expect(await dockerOk(['ps', '-aq'])).toBe(before);
  });
});
