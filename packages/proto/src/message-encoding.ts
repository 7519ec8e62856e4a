import { ScalarType, create, toBinary, type DescMessage, type MessageInitShape, type MessageShape } from '@bufbuild/protobuf';
import { BinaryWriter, WireType } from '@bufbuild/protobuf/wire';

/** Bytes fields at least this long are copied once, by hand, instead of through the writer. */
const largeBytesField = 64 * 1024;

/**
 * Encodes a message for the wire. protobuf-es copies a bytes field several times (growing its
 * buffer, then slicing it), which costs more CPU than the transfer itself for content writes;
 * large top-level bytes fields are therefore appended after the rest of the message (the wire
 * format allows fields in any order) with a single copy.
 */
export function encodeMessage<Desc extends DescMessage>(desc: Desc, init: MessageInitShape<Desc>): Buffer {
  // A shallow copy: `create` returns `init` itself when it is a message already.
  const message = { ...create(desc, init) } as MessageShape<Desc> & Record<string, unknown>;
  const large: { number: number; value: Uint8Array }[] = [];
  for (const field of desc.fields) {
    if (field.fieldKind !== 'scalar' || field.scalar !== ScalarType.BYTES) continue;
    // A oneof member is set when its oneof's case names it (a stream's `bytes data` beside its head).
    const chosen = field.oneof ? (message[field.oneof.localName] as { case?: string; value?: Uint8Array }) : undefined;
    if (chosen && chosen.case !== field.localName) continue;
    const value = (chosen ? chosen.value : message[field.localName]) as Uint8Array;
    if (value.byteLength < largeBytesField) continue;
    large.push({ number: field.number, value });
    if (chosen) message[field.oneof!.localName] = { case: undefined };
    else message[field.localName] = new Uint8Array(0);
  }
  const head = toBinary(desc, message);
  if (large.length === 0) return Buffer.from(head.buffer, head.byteOffset, head.byteLength);

  const prefixes = large.map(({ number, value }) => new BinaryWriter().tag(number, WireType.LengthDelimited).uint32(value.byteLength).finish());
  const total = large.reduce((sum, { value }, i) => sum + prefixes[i].byteLength + value.byteLength, head.byteLength);
  const encoded = Buffer.allocUnsafe(total);
  encoded.set(head);
  let at = head.byteLength;
  large.forEach(({ value }, i) => {
    encoded.set(prefixes[i], at);
    at += prefixes[i].byteLength;
    encoded.set(value, at);
    at += value.byteLength;
  });
  return encoded;
}
