import { commandOf, mergeEnv, mergeImageConfig } from './image-config-merge';

describe('mergeImageConfig', () => {
  const image = { Cmd: ['sh'], Entrypoint: ['/entry'], Env: ['PATH=/bin', 'A=1'], WorkingDir: '/srv', Labels: { a: 'image' } };

  it('takes the image command when the user gives none', () => {
    const merged = mergeImageConfig({ Image: 'x' }, image);
    expect(commandOf(merged)).toEqual({ path: '/entry', args: ['sh'] });
    expect(merged.WorkingDir).toBe('/srv');
  });

  it('keeps the image entrypoint but replaces its cmd', () => {
    expect(commandOf(mergeImageConfig({ Cmd: ['echo', 'hi'] }, image))).toEqual({ path: '/entry', args: ['echo', 'hi'] });
  });

  it('drops the image cmd when the user sets an entrypoint', () => {
    expect(commandOf(mergeImageConfig({ Entrypoint: ['/bin/true'] }, image))).toEqual({ path: '/bin/true', args: [] });
  });

  it('lets user environment and labels override the image', () => {
    const merged = mergeImageConfig({ Env: ['A=2', 'B=3'], Labels: { a: 'user' } }, image);
    expect(merged.Env).toEqual(['PATH=/bin', 'A=2', 'B=3']);
    expect(merged.Labels).toEqual({ a: 'user' });
  });

  it('refuses a container with nothing to run', () => {
    expect(() => commandOf(mergeImageConfig({}, {}))).toThrow('no command specified');
  });
});

describe('mergeEnv', () => {
  it('replaces in place and appends new keys', () => {
    expect(mergeEnv(['A=1', 'B=2'], ['B=3', 'C=4'])).toEqual(['A=1', 'B=3', 'C=4']);
  });
});
