import { readFileSync } from 'node:fs';
import { apiClient, docker, dockerOk } from '../support/docker-cli';
import { engineCgroup, settings } from '../support/engine';
import { rawRequest } from '../support/raw-http';

const image = () => settings().image;

describe('container lifecycle', () => {
  afterEach(async () => {
    const ids = (await dockerOk(['ps', '-aq'])).split('\n').filter(Boolean);
    if (ids.length) await dockerOk(['rm', '-f', ...ids]);
  });

  it('runs detached, lists, inspects, stops and removes', async () => {
    const id = (await dockerOk(['run', '-d', '--name', 'sleeper', image(), 'sleep', '300'])).trim();
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    expect(await dockerOk(['ps', '--format', '{{.Names}} {{.Command}} {{.Status}}'])).toMatch(/^sleeper "sleep 300" Up /);
    const [running] = JSON.parse(await dockerOk(['inspect', 'sleeper']));
    expect(running).toMatchObject({ Id: id, Name: '/sleeper', Path: 'sleep', Args: ['300'], State: { Status: 'running', Running: true } });
    expect(running.State.Pid).toBeGreaterThan(0);
    expect(running.Config).toMatchObject({ Image: image(), Cmd: ['sleep', '300'], Hostname: id.slice(0, 12) });

    // sleep ignores SIGTERM as PID 1: the stop ends with SIGKILL after the timeout.
    await dockerOk(['stop', '-t', '1', 'sleeper']);
    const [stopped] = JSON.parse(await dockerOk(['inspect', 'sleeper']));
    expect(stopped.State).toMatchObject({ Status: 'exited', Running: false, ExitCode: 137, Pid: 0 });
    expect(await dockerOk(['ps', '-a', '--format', '{{.Names}} {{.Status}}'])).toMatch(/^sleeper Exited \(137\) /);

    await dockerOk(['rm', 'sleeper']);
    expect(await dockerOk(['ps', '-aq'])).toBe('');
  });

  it('stops a process that handles SIGTERM without waiting for the timeout', async () => {
    await dockerOk(['run', '-d', '--name', 'graceful', image(), 'sh', '-c', 'trap "exit 0" TERM; while true; do sleep 0.1; done']);
    const started = Date.now();
    await dockerOk(['stop', 'graceful']);
    expect(Date.now() - started).toBeLessThan(5000);
    const [inspect] = JSON.parse(await dockerOk(['inspect', 'graceful']));
    expect(inspect.State.ExitCode).toBe(0);
  });

  it('answers 304 to starting a running and stopping a stopped container', async () => {
    await dockerOk(['run', '-d', '--name', 'twice', image(), 'sleep', '300']);
    const again = await rawRequest('POST', '/v1.45/containers/twice/start');
    expect(again.status).toBe(304);
    expect(again.body).toBe('');
    await dockerOk(['kill', 'twice']);
    expect((await rawRequest('POST', '/v1.45/containers/twice/stop')).status).toBe(304);
    expect(await dockerOk(['start', 'twice'])).toBe('twice\n');
  });

  it('refuses a name in use with 409 and dockerd message', async () => {
    const id = (await dockerOk(['create', '--name', 'taken', image(), 'true'])).trim();
    const result = await docker(['create', '--name', 'taken', image(), 'true']);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(`Conflict. The container name "/taken" is already in use by container "${id}"`);
    const res = await rawRequest('POST', '/v1.45/containers/create?name=taken', JSON.stringify({ Image: image() }), {
      'Content-Type': 'application/json',
    });
    expect(res.status).toBe(409);
  });

  it('refuses to remove a running container without force', async () => {
    const id = (await dockerOk(['run', '-d', image(), 'sleep', '300'])).trim();
    const res = await rawRequest('DELETE', `/v1.45/containers/${id.slice(0, 12)}`);
    expect(res.status).toBe(409);
    expect(JSON.parse(res.body).message).toBe(
      `You cannot remove a running container ${id}. Stop the container before attempting removal or force remove`,
    );
    await dockerOk(['rm', '-f', id]);
    expect(await dockerOk(['ps', '-aq'])).toBe('');
  });

  it('answers 404 for containers that do not exist', async () => {
    for (const args of [['rm', 'nosuch'], ['stop', 'nosuch'], ['start', 'nosuch']]) {
      const result = await docker(args);
      expect(result.code).not.toBe(0);
      expect(result.stderr).toContain('No such container: nosuch');
    }
    const res = await rawRequest('GET', '/v1.45/containers/nosuch/json');
    expect(res.status).toBe(404);
    expect(res.body).toBe('{"message":"No such container: nosuch"}\n');
  });

  it('reports an invalid config as 400', async () => {
    const res = await rawRequest('POST', '/v1.45/containers/create', JSON.stringify({ Image: image(), HostConfig: { AutoRemove: true, RestartPolicy: { Name: 'always' } } }), {
      'Content-Type': 'application/json',
    });
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body).message).toContain("can't create 'AutoRemove' container with restart policy");
    expect(await dockerOk(['ps', '-aq'])).toBe('');
  });

  it('drives the lifecycle from a Docker API client', async () => {
    const client = apiClient();
    const container = await client.createContainer({ Image: image(), Cmd: ['sh', '-c', 'sleep 0.2; exit 5'] });
    await container.start();
    expect(await container.wait()).toMatchObject({ StatusCode: 5 });
    expect((await container.inspect()).State).toMatchObject({ Status: 'exited', ExitCode: 5 });
    const listed = await client.listContainers({ all: true });
    expect(listed.map((c) => c.Id)).toContain(container.id);
    await container.remove();
  });

  it('pauses and unpauses: frozen processes, inspect and ps say so', async () => {
    const id = (await dockerOk(['run', '-d', '--name', 'frozen', image(), 'sleep', '300'])).trim();
    await dockerOk(['pause', 'frozen']);
    const freezer = `/sys/fs/cgroup/freezer/${engineCgroup}/${id}/freezer.state`;
    expect(readFileSync(freezer, 'utf8').trim()).toBe('FROZEN');
    const [paused] = JSON.parse(await dockerOk(['inspect', 'frozen']));
    expect(paused.State).toMatchObject({ Status: 'paused', Paused: true, Running: true });
    expect(await dockerOk(['ps', '--format', '{{.Status}}'])).toMatch(/^Up .* \(Paused\)\n$/);
    const again = await rawRequest('POST', '/v1.45/containers/frozen/pause');
    expect(again.status).toBe(409);
    expect(JSON.parse(again.body).message).toBe(`Container ${id} is already paused`);

    await dockerOk(['unpause', 'frozen']);
    expect(readFileSync(freezer, 'utf8').trim()).toBe('THAWED');
    expect((await rawRequest('POST', '/v1.45/containers/frozen/unpause')).status).toBe(409);
    // A paused container is stopped with SIGKILL after the timeout, and thawed so it can die.
    await dockerOk(['pause', 'frozen']);
    await dockerOk(['stop', '-t', '1', 'frozen']);
    const [stopped] = JSON.parse(await dockerOk(['inspect', 'frozen']));
    expect(stopped.State).toMatchObject({ Status: 'exited', ExitCode: 137, Paused: false });
  });

  it('restarts a running container and starts a stopped one', async () => {
    await dockerOk(['run', '-d', '--name', 'again', image(), 'sleep', '300']);
    const [before] = JSON.parse(await dockerOk(['inspect', 'again']));
    await dockerOk(['restart', '-t', '0', 'again']);
    const [after] = JSON.parse(await dockerOk(['inspect', 'again']));
    expect(after.State).toMatchObject({ Status: 'running', Running: true });
    expect(after.State.Pid).not.toBe(before.State.Pid);
    expect(after.State.StartedAt > before.State.StartedAt).toBe(true);
    await dockerOk(['stop', '-t', '0', 'again']);
    await dockerOk(['restart', 'again']);
    expect(JSON.parse(await dockerOk(['inspect', 'again']))[0].State.Status).toBe('running');
  });

  it('renames, and refuses a name in use', async () => {
    const id = (await dockerOk(['create', '--name', 'first', image(), 'true'])).trim();
    await dockerOk(['create', '--name', 'second', image(), 'true']);
    const taken = await docker(['rename', 'first', 'second']);
    expect(taken.stderr).toContain('Error when allocating new name: Conflict. The container name "/second" is already in use');
    await dockerOk(['rename', 'first', 'renamed']);
    expect(JSON.parse(await dockerOk(['inspect', 'renamed']))[0]).toMatchObject({ Id: id, Name: '/renamed' });
    expect((await docker(['inspect', 'first'])).code).not.toBe(0);
  });

  it('updates the limits of a running container in its cgroup, and its restart policy', async () => {
    const id = (await dockerOk(['run', '-d', '-m', '32m', image(), 'sleep', '300'])).trim();
    await dockerOk(['update', '--memory', '64m', '--memory-swap', '128m', '--pids-limit', '20', '--restart', 'on-failure:3', id]);
    const cgroup = (controller: string, file: string) => readFileSync(`/sys/fs/cgroup/${controller}/${engineCgroup}/${id}/${file}`, 'utf8').trim();
    expect(cgroup('memory', 'memory.limit_in_bytes')).toBe(String(64 << 20));
    expect(cgroup('pids', 'pids.max')).toBe('20');
    const [inspect] = JSON.parse(await dockerOk(['inspect', id]));
    expect(inspect.HostConfig).toMatchObject({ Memory: 64 << 20, MemorySwap: 128 << 20, PidsLimit: 20, RestartPolicy: { Name: 'on-failure', MaximumRetryCount: 3 } });
    const invalid = await docker(['update', '--cpus', '99', id]);
    expect(invalid.stderr).toMatch(/Range of CPUs is from 0.01 to \d+\.00/);
  });

  it('lists by filters and prunes stopped containers', async () => {
    expect((await docker(['run', '--name', 'failed', '--label', 'team=red', image(), 'sh', '-c', 'exit 3'])).code).toBe(3);
    await dockerOk(['create', '--name', 'fresh', '--label', 'team=blue', image(), 'true']);
    await dockerOk(['run', '-d', '--name', 'alive', '--label', 'team=red', image(), 'sleep', '300']);
    const names = async (...filters: string[]) => (await dockerOk(['ps', '-a', '--format', '{{.Names}}', ...filters.flatMap((f) => ['--filter', f])])).split('\n').filter(Boolean).sort();
    expect(await names('label=team=red')).toEqual(['alive', 'failed']);
    expect(await names('status=exited')).toEqual(['failed']);
    expect(await names('exited=3')).toEqual(['failed']);
    expect(await names('name=fre')).toEqual(['fresh']);
    expect(await names('status=created', 'label=team')).toEqual(['fresh']);
    expect((await dockerOk(['ps', '--format', '{{.Names}}', '--filter', 'status=exited'])).trim()).toBe('failed');
    const bad = await rawRequest('GET', `/v1.45/containers/json?filters=${encodeURIComponent('{"status":["sleepy"]}')}`);
    expect({ status: bad.status, body: JSON.parse(bad.body) }).toEqual({ status: 400, body: { message: "Invalid filter 'status=sleepy'" } });

    const pruned = await rawRequest('POST', `/v1.45/containers/prune?filters=${encodeURIComponent('{"label":["team=red"]}')}`);
    expect(pruned.status).toBe(200);
    expect(JSON.parse(pruned.body)).toMatchObject({ ContainersDeleted: [expect.stringMatching(/^[0-9a-f]{64}$/)] });
    expect(await names()).toEqual(['alive', 'fresh']);
  });

  it('restarts by policy with back-off, counts the restarts, and stops for good on docker stop', async () => {
    await dockerOk(['run', '-d', '--name', 'flaky', '--restart', 'on-failure:2', image(), 'sh', '-c', 'exit 1']);
    const inspect = async (name: string) => JSON.parse(await dockerOk(['inspect', name]))[0];
    for (let waited = 0; (await inspect('flaky')).RestartCount < 2 && waited < 10_000; waited += 100) await new Promise((r) => setTimeout(r, 100));
    await new Promise((r) => setTimeout(r, 1000));
    expect(await inspect('flaky')).toMatchObject({ RestartCount: 2, State: { Status: 'exited', ExitCode: 1 } });

    await dockerOk(['run', '-d', '--name', 'loyal', '--restart', 'always', image(), 'sh', '-c', 'sleep 0.3']);
    for (let waited = 0; (await inspect('loyal')).RestartCount < 2 && waited < 10_000; waited += 100) await new Promise((r) => setTimeout(r, 100));
    expect((await inspect('loyal')).RestartCount).toBeGreaterThanOrEqual(2);
    await dockerOk(['stop', '-t', '1', 'loyal']);
    const count = (await inspect('loyal')).RestartCount;
    await new Promise((r) => setTimeout(r, 1500));
    expect(await inspect('loyal')).toMatchObject({ RestartCount: count, State: { Status: 'exited' } });
  });
});
