/**
 * Drives a bidirectional stream whose every request gets one response, in order, the way
 * containerd's Content.Write session works: as request → response exchanges when the next
 * request depends on the answer, or pipelined (post several, receive their answers later).
 */
export class LockstepCall<Request, Response> {
  private readonly responses: AsyncIterator<Response>;
  private deliver: ((next: IteratorResult<Request>) => void) | undefined;
  /** Requests posted and not yet taken by the stream (more than one when pipelining). */
  private readonly pending: IteratorResult<Request>[] = [];

  constructor(start: (requests: AsyncIterable<Request>) => AsyncIterable<Response>) {
    const requests: AsyncIterable<Request> = {
      [Symbol.asyncIterator]: () => ({ next: () => this.nextRequest() }),
    };
    this.responses = start(requests)[Symbol.asyncIterator]();
  }

  private nextRequest(): Promise<IteratorResult<Request>> {
    const pending = this.pending[0];
    if (pending) {
      // The end stays queued, so every later pull sees it too.
      if (!pending.done) this.pending.shift();
      return Promise.resolve(pending);
    }
    return new Promise((resolve) => (this.deliver = resolve));
  }

  private send(next: IteratorResult<Request>): void {
    const deliver = this.deliver;
    this.deliver = undefined;
    if (deliver) {
      deliver(next);
      if (next.done) this.pending.push(next);
    } else this.pending.push(next);
  }

  /** Sends one request without waiting for its response (see receive()). */
  post(request: Request): void {
    this.send({ value: request, done: false });
  }

  /** The response to the oldest request posted and not yet answered. */
  async receive(): Promise<Response> {
    const next = await this.responses.next();
    if (next.done) throw new Error('stream ended before answering');
    return next.value;
  }

  /** Sends one request and waits for its response; a failed call rejects with its error. */
  async exchange(request: Request): Promise<Response> {
    this.post(request);
    return this.receive();
  }

  /** Half-closes the request side and waits for the server to end the call. */
  async finish(): Promise<void> {
    this.send({ value: undefined, done: true });
    while (!(await this.responses.next()).done);
  }

  /** Abandons the call (cancelling it if still open) and releases the request side. */
  async cancel(): Promise<void> {
    this.send({ value: undefined, done: true });
    await this.responses.return?.();
  }
}
