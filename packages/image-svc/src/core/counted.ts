/** Progress of one transfer is reported at most this often. */
const reportIntervalMs = 100;

/** Passes bytes through, reporting how many went by now and then, and once at the end. */
export async function* counted(source: AsyncIterable<Uint8Array>, report: (bytes: number) => void): AsyncGenerator<Uint8Array> {
  let bytes = 0;
  let last = 0;
  for await (const chunk of source) {
    bytes += chunk.length;
    const now = Date.now();
    if (now - last >= reportIntervalMs) {
      last = now;
      report(bytes);
    }
    yield chunk;
  }
  report(bytes);
}
