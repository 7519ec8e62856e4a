import { DnsNames } from './dns-names';
import type { AttachmentRecord, EndpointRecord } from './network-record';

const endpoint = (networkId: string, address: string, aliases: string[] = []) => ({ networkId, address, aliases }) as EndpointRecord;
const attachment = (containerId: string, containerName: string, endpoints: EndpointRecord[], dnsServers: string[] = []) =>
  ({ containerId, containerName, hostname: '', endpoints, dnsServers }) as unknown as AttachmentRecord;

describe('DnsNames', () => {
  const names = new DnsNames();
  const networkNames = new Map([
    ['front', 'Front-Net'],
    ['back', 'back-net'],
  ]);
  names.set(attachment('1'.repeat(64), 'web', [endpoint('front', '10.1.0.2', ['www'])]), networkNames);
  names.set(attachment('2'.repeat(64), 'proxy', [endpoint('front', '10.1.0.3'), endpoint('back', '10.2.0.2')], ['9.9.9.9']), networkNames);
  names.set(attachment('3'.repeat(64), 'db', [endpoint('back', '10.2.0.3')]), networkNames);

  it('answers names, aliases and short IDs on the networks the asking container shares', () => {
    expect(names.resolve('web', '10.1.0.3')).toEqual(['10.1.0.2']);
    expect(names.resolve('WWW.', '10.1.0.3')).toEqual(['10.1.0.2']);
    expect(names.resolve('111111111111', '10.1.0.3')).toEqual(['10.1.0.2']);
    expect(names.resolve('db', '10.2.0.2')).toEqual(['10.2.0.3']);
  });

  it('answers a name followed by its network’s name on that network only', () => {
    expect(names.resolve('www.front-net', '10.1.0.3')).toEqual(['10.1.0.2']);
    expect(names.resolve('db.BACK-NET.', '10.2.0.2')).toEqual(['10.2.0.3']);
    expect(names.resolve('proxy.back-net', '10.1.0.2')).toEqual([]);
    expect(names.resolve('web.back-net', '10.2.0.2')).toEqual([]);
  });

  it('answers nothing about networks the asking container is not on', () => {
    expect(names.resolve('db', '10.1.0.2')).toEqual([]);
    expect(names.resolve('web', '10.9.9.9')).toEqual([]);
    expect(names.reverse('10.2.0.3', '10.1.0.2')).toBeUndefined();
    expect(names.reverse('10.2.0.3', '10.2.0.2')).toBe('db');
  });

  it('forgets removed containers, and knows each one’s upstream servers', () => {
    expect(names.upstreamOf('10.2.0.2')).toEqual(['9.9.9.9']);
    names.delete('1'.repeat(64));
    expect(names.resolve('web', '10.1.0.3')).toEqual([]);
  });
});
