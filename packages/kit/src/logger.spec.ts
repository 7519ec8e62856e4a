import { Writable } from 'node:stream';
import pino from 'pino';
import { withRequestId } from '@flotilla/proto';
import { loggerOptions } from './logger';

function capture(): { lines: Record<string, unknown>[]; stream: Writable } {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()));
      done();
    },
  });
  return { lines, stream };
}

describe('service logs', () => {
  it('name the service and carry the request id of the call being handled', () => {
    const { lines, stream } = capture();
    const logger = pino(loggerOptions('image-svc', '1.2.3', 'info'), stream);
    withRequestId('req-7', () => logger.info('inside a call'));
    logger.info('outside');
    expect(lines[0]).toMatchObject({ service: 'image-svc', version: '1.2.3', requestId: 'req-7', msg: 'inside a call' });
    expect(lines[1]).not.toHaveProperty('requestId');
  });

  it('never write registry credentials', () => {
    const { lines, stream } = capture();
    const logger = pino(loggerOptions('image-svc', '1', 'info'), stream);
    logger.info({ auth: { password: 'hunter2', username: 'me' } }, 'login');
    expect(JSON.stringify(lines[0])).not.toContain('hunter2');
  });
});
