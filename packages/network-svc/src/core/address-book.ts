import { EngineError } from '@flotilla/proto';

/** How one address family reads and writes its addresses. */
export interface AddressFamily<T> {
  readonly name: 'IPv4' | 'IPv6';
  parse(address: string): T | undefined;
  format(value: T): string;
}

/**
 * The addresses of one subnet that containers hold, beside those never given (the network's own,
 * the gateway…). Each family's allocator decides which free address comes next.
 */
export abstract class AddressBook<T> {
  private readonly used = new Set<T>();

  protected constructor(
    private readonly family: AddressFamily<T>,
    private readonly reserved: ReadonlySet<T>,
    private readonly inSubnet: (value: T) => boolean,
  ) {}

  /** Holds the address when it is free. */
  protected take(value: T): boolean {
    if (this.reserved.has(value) || this.used.has(value)) return false;
    this.used.add(value);
    return true;
  }

  /** Takes a given address (--ip or --ip6, or one recorded before a restart). */
  claim(address: string): string {
    const value = this.family.parse(address);
    if (value === undefined) throw EngineError.invalid(`invalid ${this.family.name} address: ${address}`);
    if (!this.inSubnet(value)) throw EngineError.invalid(`no configured subnet or ip-range contain the IP address ${address}`);
    if (!this.take(value)) throw EngineError.forbidden('Address already in use');
    return this.family.format(value);
  }

  release(address: string): void {
    const value = this.family.parse(address);
    if (value !== undefined) this.used.delete(value);
  }

  inUse(): number {
    return this.used.size;
  }
}
