import { ScalarType, create, toBinary, type DescMessage, type MessageInitShape, type MessageShape } from '@bufbuild/protobuf';
import { BinaryWriter, WireType } from '@bufbuild/protobuf/wire';

/** Bytes fields at least this long are copied once, by hand, instead of through the writer. */
const largeBytesField = 64 * 1024;

/** Room before a joined batch for the rest of its message: the other fields, the tag and the length. */
const headroomBytes = 1024;
/** Batches from joinForMessage whose room has not been taken yet. */
const roomAhead = new WeakSet<Uint8Array>();

/**
 * The pieces joined into one buffer with room before it, which encodeMessage fills with the rest
 * of the message: a batch sent as a message's bytes field is then not copied again by the encoding
 * (our client writes it as it is; grpc-js's server framing copies it once). The room serves one
 * message; a second one copies.
 */
export function joinForMessage(pieces: readonly Uint8Array[], size: number): Buffer {
  // Never a slice of Node's shared pool: the bytes before the batch must be no one else's.
  const whole = Buffer.allocUnsafeSlow(headroomBytes + size);
  let at = headroomBytes;
  for (const piece of pieces) {
    whole.set(piece, at);
    at += piece.byteLength;
  }
  const batch = whole.subarray(headroomBytes, at);
  roomAhead.add(batch);
  return batch;
}

/** Whether `bytes` is a batch from joinForMessage with its room still free. */
export function hasRoomForMessage(bytes: Uint8Array): boolean {
  return roomAhead.has(bytes);
}

/**
 * Encodes a message for the wire. protobuf-es copies a bytes field several times (growing its
 * buffer, then slicing it), which costs more CPU than the transfer itself for content writes;
 * large top-level bytes fields are therefore appended after the rest of the message (the wire
 * format allows fields in any order) with a single copy, or with none into the room before a
 * batch from joinForMessage.
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
  if (large.length === 1 && roomAhead.has(large[0].value) && head.byteLength + prefixes[0].byteLength <= large[0].value.byteOffset) {
    const { value } = large[0];
    roomAhead.delete(value);
    const start = value.byteOffset - prefixes[0].byteLength - head.byteLength;
    const encoded = Buffer.from(value.buffer, start, value.byteOffset + value.byteLength - start);
    encoded.set(head, 0);
    encoded.set(prefixes[0], head.byteLength);
    return encoded;
  }
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
