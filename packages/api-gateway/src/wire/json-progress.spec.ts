import { humanSize, progressBar, progressJson } from './json-progress';

describe('JSON progress', () => {
  it('prints sizes with decimal units and four significant digits', () => {
    expect(humanSize(500)).toBe('500B');
    expect(humanSize(1048576)).toBe('1.049MB');
    expect(humanSize(10485760)).toBe('10.49MB');
    expect(humanSize(2_000_000_000)).toBe('2GB');
  });

  it('draws dockerd bar', () => {
    expect(progressBar(1048576, 10485760)).toBe(`[=====>${' '.repeat(45)}]  1.049MB/10.49MB`);
    expect(progressBar(10, 10)).toBe(`[${'='.repeat(50)}>] ${'10B'.padStart(8)}/10B`);
  });

  it('gives layer states a progress detail and plain messages none', () => {
    expect(progressJson({ id: 'abc', status: 'Pulling fs layer', current: 0, total: 0, plain: false })).toEqual({ status: 'Pulling fs layer', progressDetail: {}, id: 'abc' });
    expect(progressJson({ id: 'latest', status: 'Pulling from library/busybox', current: 0, total: 0, plain: true })).toEqual({
      status: 'Pulling from library/busybox',
      id: 'latest',
    });
    expect(progressJson({ id: '', status: 'Digest: sha256:x', current: 0, total: 0, plain: true })).toEqual({ status: 'Digest: sha256:x' });
    expect(Object.keys(progressJson({ id: 'abc', status: 'Downloading', current: 1, total: 2, plain: false }))).toEqual(['status', 'progressDetail', 'progress', 'id']);
  });
});
