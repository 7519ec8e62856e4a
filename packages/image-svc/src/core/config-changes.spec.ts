import { applyChanges } from './config-changes';

describe('applyChanges', () => {
  it('takes exec and shell forms of CMD and ENTRYPOINT', () => {
    expect(applyChanges({}, ['CMD ["sh", "-c", "echo hi"]', 'ENTRYPOINT top -b'])).toEqual({
      Cmd: ['sh', '-c', 'echo hi'],
      Entrypoint: ['/bin/sh', '-c', 'top -b'],
    });
  });

  it('sets and overrides environment variables', () => {
    const config = applyChanges({ Env: ['A=1', 'B=2'] }, ['ENV A=3 C="two words"', 'ENV D four']);
    expect(config.Env).toEqual(['A=3', 'B=2', 'C=two words', 'D=four']);
  });

  it('adds ports, volumes and labels', () => {
    const config = applyChanges({}, ['EXPOSE 80 53/udp', 'VOLUME /data', 'LABEL a=b', 'WORKDIR /srv', 'USER 1000']);
    expect(config).toEqual({
      ExposedPorts: { '80/tcp': {}, '53/udp': {} },
      Volumes: { '/data': {} },
      Labels: { a: 'b' },
      WorkingDir: '/srv',
      User: '1000',
    });
  });

  it('refuses instructions that build rather than configure', () => {
    expect(() => applyChanges({}, ['RUN rm -rf /'])).toThrow('RUN is not a valid change command');
  });
});
