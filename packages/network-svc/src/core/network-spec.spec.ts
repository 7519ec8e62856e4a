import { parsePools } from './address-pools';
import { parseIpv4Prefix } from './ipv4';
import { ipv6SubnetOf } from './ipv6';
import { ipv6Gateway, networkFromRequest, type NetworkCreateRequest } from './network-spec';

const id = 'a'.repeat(64);
const request = (over: Partial<NetworkCreateRequest> = {}): NetworkCreateRequest => ({
  name: 'app',
  driver: '',
  internal: false,
  attachable: false,
  enableIpv6: false,
  ipamDriver: '',
  ipamConfigs: [],
  ipamOptions: {},
  options: {},
  labels: {},
  ...over,
});
const ctx = { takenSubnets: [parseIpv4Prefix('172.17.0.0/16')!], takenIpv6Subnets: [ipv6SubnetOf('fd00:9:1::/64')], takenBridges: new Set(['br-used']), pools: parsePools('172.17.0.0/16:16,172.18.0.0/16:16') };
const make = (over: Partial<NetworkCreateRequest>) => () => networkFromRequest(request(over), id, '2026-01-01T00:00:00Z', ctx);
const subnet = (s: string, extra: Partial<NetworkCreateRequest['ipamConfigs'][number]> = {}) => ({ ipamConfigs: [{ subnet: s, ipRange: '', gateway: '', auxAddresses: {}, ...extra }] });

describe('networkFromRequest', () => {
  it('takes a free subnet from the pools, its first address as gateway, and a bridge named after the ID', () => {
    const network = make({})();
    expect(network.ipam).toEqual([{ subnet: '172.18.0.0/16', gateway: '172.18.0.1', auxAddresses: {} }]);
    expect(network).toMatchObject({ bridge: 'br-aaaaaaaaaaaa', userSubnet: false, masquerade: true, predefined: false });
  });

  it('keeps what the user gave', () => {
    const network = make({ ...subnet('10.5.0.0/24', { gateway: '10.5.0.254', ipRange: '10.5.0.128/25', auxAddresses: { host: '10.5.0.2' } }), options: { 'com.docker.network.bridge.name': 'mybr0', 'com.docker.network.driver.mtu': '1400' } })();
    expect(network.ipam).toEqual([{ subnet: '10.5.0.0/24', gateway: '10.5.0.254', ipRange: '10.5.0.128/25', auxAddresses: { host: '10.5.0.2' } }]);
    expect(network).toMatchObject({ bridge: 'mybr0', mtu: 1400, userSubnet: true });
  });

  it('keeps an IPv6 subnet beside an IPv4 one from the pools, and uses it only with EnableIPv6', () => {
    const dual = make({ enableIpv6: true, ...subnet('fd00:77::/64') })();
    expect(dual).toMatchObject({ enableIpv6: true, ipv6: { subnet: 'fd00:77::/64', gateway: '' }, userSubnet: false });
    expect(dual.ipam).toHaveLength(1);
    expect(ipv6Gateway(dual.ipv6!)).toBe('fd00:77::1');
    expect(make(subnet('fd00:77::/64'))()).toMatchObject({ enableIpv6: false, ipv6: { subnet: 'fd00:77::/64' } });
  });

  it('does not masquerade internal networks', () => {
    expect(make({ internal: true })().masquerade).toBe(false);
  });

  it.each([
    [{ name: 'bridge' }, 'forbidden', 'operation is not permitted on predefined bridge network '],
    [{ driver: 'host' }, 'forbidden', 'only one instance of "host" network is allowed'],
    [{ driver: 'macvlan' }, 'not-found', 'plugin "macvlan" not found'],
    [subnet('172.17.5.0/24'), 'forbidden', 'Pool overlaps with other one on this address space'],
    [subnet('10.5.0.0/33'), 'invalid', 'Invalid subnet 10.5.0.0/33 : invalid CIDR address: 10.5.0.0/33'],
    [subnet('10.5.0.0/24', { gateway: '10.6.0.1' }), 'invalid', 'failed to allocate gateway (10.6.0.1): Requested address is out of range'],
    [subnet('10.5.0.0/24', { ipRange: '10.6.0.0/25' }), 'invalid', 'invalid ip-range 10.6.0.0/25: it must be within subnet 10.5.0.0/24'],
    [{ options: { 'com.docker.network.bridge.name': 'br-used' } }, 'forbidden', 'bridge name br-used is already used by another network'],
    [{ options: { 'com.docker.network.bridge.name': 'a-name-far-too-long' } }, 'invalid', 'invalid bridge name a-name-far-too-long'],
    [{ options: { 'com.docker.network.driver.mtu': 'big' } }, 'invalid', 'invalid MTU big'],
    [{ enableIpv6: true }, 'forbidden', 'could not find an available, non-overlapping IPv6 address pool among the defaults to assign to the network'],
    [{ enableIpv6: true, ...subnet('fd00:1::/64', { gateway: 'fd00:2::1' }) }, 'invalid', 'failed to allocate gateway (fd00:2::1): Requested address is out of range'],
    [{ enableIpv6: true, ...subnet('fd00:1::/64', { ipRange: 'fd00:1::/80' }) }, 'not-implemented', 'an IPv6 ip-range or auxiliary address is not supported'],
    [{ enableIpv6: true, ...subnet('fd00:9::/32') }, 'forbidden', 'Pool overlaps with other one on this address space'],
    [{ ipamConfigs: [...subnet('10.5.0.0/24').ipamConfigs, ...subnet('10.6.0.0/24').ipamConfigs] }, 'forbidden', "bridge driver doesn't support multiple subnets"],
  ])('refuses %j as dockerd does', (over, kind, message) => {
    expect(make(over)).toThrow(expect.objectContaining({ kind, message: expect.stringContaining(message) }));
  });
});
