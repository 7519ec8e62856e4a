import { checkResources, ociResources, parseCpuList } from './resources';

const host = { cpus: '0-1', swapLimit: true, blkioWeight: true };

describe('checkResources', () => {
  it('keeps sensible limits as asked', () => {
    expect(checkResources({ Memory: 64 << 20, NanoCpus: 5e8, PidsLimit: 50 }, host)).toEqual({
      resources: { Memory: 64 << 20, NanoCpus: 5e8, PidsLimit: 50 },
      problems: [],
      warnings: [],
    });
  });

  it('lists every impossible value with dockerd\'s wording', () => {
    const { problems } = checkResources({ Memory: 1024, NanoCpus: 3e9, CpuPeriod: 50, CpusetCpus: '0-3', BlkioWeight: 5, MemorySwappiness: 101 }, host);
    expect(problems).toEqual([
      'Minimum memory limit allowed is 6MB',
      'Invalid value: 101, valid memory swappiness range is 0-100',
      'Conflicting options: Nano CPUs and CPU Period cannot both be set',
      'Range of CPUs is from 0.01 to 2.00, as there are only 2 CPUs available',
      'CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)',
      'Requested CPUs are not available - requested 0-3, available: 0-1',
      'Range of blkio weight is from 10 to 1000',
    ]);
  });

  it('drops what the host cannot limit, with a warning', () => {
    const checked = checkResources({ Memory: 64 << 20, BlkioWeight: 500 }, { ...host, swapLimit: false, blkioWeight: false });
    expect(checked.problems).toEqual([]);
    expect(checked.resources).toMatchObject({ MemorySwap: -1, BlkioWeight: 0 });
    expect(checked.warnings).toHaveLength(2);
  });
});

describe('ociResources', () => {
  it('turns NanoCpus into a quota of a 100ms period and doubles memory for swap', () => {
    expect(ociResources({ Memory: 100, NanoCpus: 1.5e9, CpuShares: 512, PidsLimit: 10, BlkioWeight: 300 })).toEqual({
      memory: { limit: 100, swap: 200 },
      cpu: { shares: 512, period: 100000, quota: 150000 },
      pids: { limit: 10 },
      blockIO: { weight: 300 },
    });
  });

  it('leaves unlimited swap and unset values out', () => {
    expect(ociResources({ Memory: 100, MemorySwap: -1, PidsLimit: -1 })).toEqual({ memory: { limit: 100 } });
    expect(ociResources({})).toEqual({});
  });
});

describe('parseCpuList', () => {
  it('reads ranges and lists', () => {
    expect([...parseCpuList('0-2,4')!]).toEqual([0, 1, 2, 4]);
    expect(parseCpuList('2-1')).toBeUndefined();
    expect(parseCpuList('a')).toBeUndefined();
  });
});
