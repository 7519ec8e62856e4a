import { checkLogConfig, logFileOptions } from './log-config';

describe('checkLogConfig', () => {
  it('defaults to json-file and accepts none', () => {
    expect(checkLogConfig(undefined)).toEqual({ logConfig: { Type: 'json-file', Config: {} }, problems: [] });
    expect(checkLogConfig({ Type: '', Config: {} }).logConfig.Type).toBe('json-file');
    expect(checkLogConfig({ Type: 'none' }).problems).toEqual([]);
  });

  it('refuses other drivers, naming the ones dockerd has', () => {
    expect(checkLogConfig({ Type: 'syslog' }).problems).toEqual(['logging driver "syslog" is not supported by this engine: use json-file or none']);
    expect(checkLogConfig({ Type: 'nope' }).problems).toEqual(["logger: no log driver named 'nope' is registered"]);
  });

  it('lists every problem of the json-file options', () => {
    const { problems } = checkLogConfig({ Type: 'json-file', Config: { 'max-file': '3', compress: 'yes', colour: 'blue', 'env-regex': '(' } });
    expect(problems).toEqual([
      "unknown log opt 'colour' for json-file log driver",
      'max-file cannot be set when max-size is not set',
      'invalid value for compress option: yes',
      'invalid env-regex: (',
    ]);
    expect(checkLogConfig({ Config: { 'max-size': '10q' } }).problems).toEqual(['invalid max-size: 10q']);
    expect(checkLogConfig({ Config: { 'max-size': '1m', 'max-file': '0' } }).problems).toEqual(['max-file cannot be less than 1']);
  });
});

describe('logFileOptions', () => {
  const container = { Image: 'busybox', Labels: { team: 'a', tier: 'web' }, Env: ['MODE=prod', 'SECRET=x'] };

  it('bounds a log without options, and keeps one file when only max-size is given, as dockerd', () => {
    expect(logFileOptions({ Type: 'json-file', Config: {} }, container)).toEqual({ maxSize: 20 * 1024 * 1024, maxFiles: 5, compress: false, attrs: {} });
    expect(logFileOptions({ Type: 'json-file', Config: { 'max-size': '1.5k' } }, container)).toMatchObject({ maxSize: 1536, maxFiles: 1 });
    expect(logFileOptions({ Type: 'none', Config: {} }, container)).toBeUndefined();
  });

  it('takes the attrs the labels and env options name', () => {
    const options = logFileOptions({ Type: 'json-file', Config: { labels: 'team,missing', 'env-regex': '^MO' } }, container);
    expect(options?.attrs).toEqual({ team: 'a', MODE: 'prod' });
  });
});
