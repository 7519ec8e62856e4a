import { defaultCapabilities, effectiveCapabilities, linuxCapabilities } from './capabilities';

describe('effectiveCapabilities', () => {
  const host = linuxCapabilities;

  it('is Docker\'s default set when nothing is asked', () => {
    expect(effectiveCapabilities({}, host)).toEqual({ capabilities: defaultCapabilities, problems: [] });
  });

  it('adds and drops by any spelling', () => {
    const { capabilities } = effectiveCapabilities({ capAdd: ['net_admin', 'CAP_SYS_TIME'], capDrop: ['NET_RAW', 'chown'] }, host);
    expect(capabilities).toEqual(expect.arrayContaining(['CAP_NET_ADMIN', 'CAP_SYS_TIME', 'CAP_KILL']));
    expect(capabilities).not.toContain('CAP_NET_RAW');
    expect(capabilities).not.toContain('CAP_CHOWN');
  });

  it('drops all but what is added back', () => {
    expect(effectiveCapabilities({ capDrop: ['ALL'], capAdd: ['KILL'] }, host).capabilities).toEqual(['CAP_KILL']);
  });

  it('gives every capability the host knows to ALL and to privileged containers', () => {
    const older = linuxCapabilities.slice(0, 38);
    expect(effectiveCapabilities({ capAdd: ['ALL'] }, older).capabilities).toEqual(older);
    expect(effectiveCapabilities({ privileged: true, capDrop: ['KILL'] }, older).capabilities).toEqual(older);
  });

  it('reports names it does not know', () => {
    expect(effectiveCapabilities({ capAdd: ['FLY'], capDrop: ['CAP_SWIM'] }, host).problems).toEqual(['invalid capability: CAP_FLY', 'invalid capability: CAP_SWIM']);
  });
});
