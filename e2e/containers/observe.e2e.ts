import { request } from 'node:http';
import { docker, dockerOk } from '../support/docker-cli';
import { settings } from '../support/engine';
import { rawRequest } from '../support/raw-http';

const image = () => settings().image;

/** The first `count` lines of a streaming response, then the connection is dropped. */
function firstLines(path: string, count: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: settings().apiSocket, path }, (res) => {
      let text = '';
      res.on('data', (chunk) => {
        text += chunk;
        const lines = text.split('\n').filter(Boolean);
        if (lines.length >= count) {
          req.destroy();
          resolve(lines.slice(0, count));
        }
      });
    });
    req.on('error', reject);
    req.end();
  });
}

describe('observing a container', () => {
  let id: string;
  beforeAll(async () => {
    id = (await dockerOk(['run', '-d', '--name', 'busy', '-m', '64m', image(), 'sh', '-c', 'while true; do :; done'])).trim();
  });
  afterAll(async () => {
    await docker(['rm', '-f', 'busy', 'idle']);
  });

  it('lists its processes with docker top, with ps arguments too', async () => {
    const table = await dockerOk(['top', 'busy']);
    const [header, ...rows] = table.trim().split('\n');
    expect(header.split(/\s+/)).toEqual(['UID', 'PID', 'PPID', 'C', 'STIME', 'TTY', 'TIME', 'CMD']);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatch(/^root\s+\d+\s+\d+ .*sh -c while true; do :; done$/);
    const res = await rawRequest('GET', '/v1.45/containers/busy/top?ps_args=-o%20pid,comm');
    expect(JSON.parse(res.body)).toEqual({ Titles: ['PID', 'COMMAND'], Processes: [[expect.stringMatching(/^\d+$/), 'sh']] });
  });

  it('answers docker top of a stopped container with 409', async () => {
    await dockerOk(['create', '--name', 'idle', image(), 'true']);
    const res = await rawRequest('GET', '/v1.45/containers/idle/top');
    expect(res.status).toBe(409);
    expect(JSON.parse(res.body).message).toMatch(/^Container [0-9a-f]{64} is not running$/);
  });

  it('reports CPU, memory and pids in Docker\'s stats shape', async () => {
    const res = await rawRequest('GET', '/v1.45/containers/busy/stats?stream=false');
    expect(res.status).toBe(200);
    const stats = JSON.parse(res.body);
    expect(stats).toMatchObject({ id, name: '/busy', pids_stats: { current: 1 }, memory_stats: { limit: 64 << 20 } });
    // Sampled a second apart: the spinning shell used CPU in between.
    expect(stats.cpu_stats.cpu_usage.total_usage).toBeGreaterThan(stats.precpu_stats.cpu_usage.total_usage);
    expect(stats.cpu_stats.system_cpu_usage).toBeGreaterThan(stats.precpu_stats.system_cpu_usage);
    expect(Date.parse(stats.read) - Date.parse(stats.preread)).toBeGreaterThanOrEqual(900);
    expect(stats.memory_stats.usage).toBeGreaterThan(0);
    expect(await dockerOk(['stats', '--no-stream', '--format', '{{.Name}} {{.PIDs}}', 'busy'])).toBe('busy 1\n');
  });

  it('streams a sample a second until the client goes away', async () => {
    const started = Date.now();
    const lines = await firstLines('/v1.45/containers/busy/stats', 3);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1800);
    const [first, , third] = lines.map((line) => JSON.parse(line));
    expect(first.precpu_stats.cpu_usage.total_usage).toBe(0);
    expect(third.precpu_stats.cpu_usage.total_usage).toBeGreaterThan(0);
  });

  it('gives a stopped container one empty sample', async () => {
    const res = await rawRequest('GET', '/v1.45/containers/idle/stats');
    const lines = res.body.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0])).toMatchObject({ name: '/idle', read: '0001-01-01T00:00:00Z' });
  });
});
