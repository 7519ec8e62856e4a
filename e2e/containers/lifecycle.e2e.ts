import { apiClient, docker, dockerOk } from '../support/docker-cli';
import { settings } from '../support/engine';
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
});
