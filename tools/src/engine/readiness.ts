import { connect } from 'node:net';
import { request } from 'node:http';

function attempt(open: () => ReturnType<typeof connect>): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = open();
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function poll(check: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

export const unixSocketAccepts = (path: string, timeoutMs: number) => poll(() => attempt(() => connect(path)), timeoutMs);

export const tcpPortAccepts = (port: number, timeoutMs: number) => poll(() => attempt(() => connect(port, '127.0.0.1')), timeoutMs);

/** The gateway is ready when `/_ping` answers OK. */
export const dockerApiAnswers = (socketPath: string, timeoutMs: number) =>
  poll(
    () =>
      new Promise((resolve) => {
        const req = request({ socketPath, path: '/_ping', timeout: 1000 }, (res) => {
          res.resume();
          resolve(res.statusCode === 200);
        });
        req.on('error', () => resolve(false));
        req.on('timeout', () => req.destroy());
        req.end();
      }),
    timeoutMs,
  );
