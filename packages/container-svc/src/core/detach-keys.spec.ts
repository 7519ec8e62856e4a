import { DetachScanner, parseDetachKeys } from './detach-keys';

const bytes = (text: string) => Buffer.from(text, 'latin1');
const text = (data: Uint8Array) => Buffer.from(data).toString('latin1');

describe('parseDetachKeys', () => {
  it("reads Docker's key names, with ctrl-p,ctrl-q as the default", () => {
    expect(parseDetachKeys('')).toEqual([0x10, 0x11]);
    expect(parseDetachKeys('ctrl-a,x,ctrl-@,ctrl-_,DEL')).toEqual([0x01, 0x78, 0x00, 0x1f, 0x7f]);
  });

  it('refuses a key it does not know', () => {
    expect(() => parseDetachKeys('ctrl-1')).toThrow('Invalid detach keys (ctrl-1) provided');
    expect(() => parseDetachKeys('alt-x')).toThrow('Invalid detach keys (alt-x) provided');
  });
});

describe('DetachScanner', () => {
  it('detaches on the sequence, passing on what came before it and never the keys', () => {
    const scanner = new DetachScanner([0x10, 0x11]);
    expect(scanner.feed(bytes('ls\n\x10\x11rest'))).toEqual({ forward: bytes('ls\n'), detached: true });
  });

  it('holds the start of the sequence across inputs, and lets it through when the sequence breaks', () => {
    const scanner = new DetachScanner([0x10, 0x11]);
    const first = scanner.feed(bytes('a\x10'));
    expect([text(first.forward), first.detached]).toEqual(['a', false]);
    const second = scanner.feed(bytes('b'));
    expect([text(second.forward), second.detached]).toEqual(['\x10b', false]);
    expect(scanner.feed(bytes('\x10')).forward).toHaveLength(0);
    expect(scanner.feed(bytes('\x11')).detached).toBe(true);
  });

  it('starts the sequence again on a repeated first key', () => {
    const scanner = new DetachScanner([0x10, 0x11]);
    expect(scanner.feed(bytes('\x10\x10\x11'))).toEqual({ forward: bytes('\x10'), detached: true });
  });
});
