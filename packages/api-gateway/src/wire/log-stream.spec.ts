import { create } from '@bufbuild/protobuf';
import { containerV1 } from '@flotilla/proto';
import { logStreamBytes, parseLogTime } from './log-stream';

const batch = create(containerV1.LogEntriesSchema, {
  messages: Buffer.from('out\nerr\n'),
  sizes: [4, 4],
  streams: [containerV1.OutputStream.STDOUT, containerV1.OutputStream.STDERR],
  times: ['2025-11-29T04:13:35.00012Z', '2025-11-29T04:13:36Z'],
  attrs: [{ values: {} }, { values: { 'my key': 'a&b', app: 'web' } }],
});

describe('logStreamBytes', () => {
  it('frames each entry with its stream unless the container has a TTY', () => {
    expect(logStreamBytes(batch, { tty: false, timestamps: false, details: false })).toEqual(
      Buffer.concat([Buffer.from([1, 0, 0, 0, 0, 0, 0, 4]), Buffer.from('out\n'), Buffer.from([2, 0, 0, 0, 0, 0, 0, 4]), Buffer.from('err\n')]),
    );
    expect(logStreamBytes(batch, { tty: true, timestamps: false, details: false }).toString()).toBe('out\nerr\n');
  });

  it('puts the fixed-width timestamp, then the sorted and escaped attrs, before the line, inside its frame', () => {
    expect(logStreamBytes(batch, { tty: true, timestamps: true, details: true }).toString()).toBe(
      '2025-11-29T04:13:35.000120000Z  out\n2025-11-29T04:13:36.000000000Z app=web,my+key=a%26b err\n',
    );
    const framed = logStreamBytes(batch, { tty: false, timestamps: true, details: false });
    expect(framed.subarray(0, 8)).toEqual(Buffer.from([1, 0, 0, 0, 0, 0, 0, 35]));
    expect(framed.subarray(8, 43).toString()).toBe('2025-11-29T04:13:35.000120000Z out\n');
  });
});

describe('parseLogTime', () => {
  const now = new Date('2026-01-01T00:10:00Z');
  it('keeps the nanoseconds the CLI sends, and reads 0 as unset', () => {
    expect(parseLogTime('1764389615.000000001', now)).toEqual({ seconds: 1764389615n, nanos: 1 });
    expect(parseLogTime('1764389615.5', now)).toEqual({ seconds: 1764389615n, nanos: 500_000_000 });
    expect(parseLogTime('0', now)).toBeUndefined();
    expect(parseLogTime(null, now)).toBeUndefined();
  });
  it('reads durations and RFC 3339 times as the events route does', () => {
    expect(parseLogTime('10m', now)).toEqual({ seconds: BigInt(Date.parse('2026-01-01T00:00:00Z') / 1000), nanos: 0 });
    expect(parseLogTime('2026-01-01T00:00:01.25Z', now)).toEqual({ seconds: BigInt(Date.parse('2026-01-01T00:00:01Z') / 1000), nanos: 250_000_000 });
  });
});
