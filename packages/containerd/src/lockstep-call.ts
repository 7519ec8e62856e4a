/**
 * Drives a bidirectional stream as strict request → response exchanges, the way containerd's
 * Content.Write session works (each request is answered before the next one is sent), so the
 * caller can decide each request from the previous answer and never buffers more than one chunk.
 */
export class LockstepCall<Request, Response> {
  private readonly responses: AsyncIterator<Response>;
  private deliver: ((next: IteratorResult<Request>) => void) | undefined;
  private pending: IteratorResult<Request> | undefined;

  constructor(start: (requests: AsyncIterable<Request>) => AsyncIterable<Response>) {
    const requests: AsyncIterable<Request> = {
      [Symbol.asyncIterator]: () => ({ next: () => this.nextRequest() }),
    };
    this.responses = start(requests)[Symbol.asyncIterator]();
  }

  private nextRequest(): Promise<IteratorResult<Request>> {
    const pending = this.pending;
    if (pending) {
      this.pending = pending.done ? pending : undefined;
      return Promise.resolve(pending);
    }
    return new Promise((resolve) => (this.deliver = resolve));
  }

  private send(next: IteratorResult<Request>): void {
    const deliver = this.deliver;
    this.deliver = undefined;
    if (deliver) deliver(next);
    else this.pending = next;
  }

  /** Sends one request and waits for its response; a failed call rejects with its error. */
  async exchange(request: Request): Promise<Response> {
    this.send({ value: request, done: false });
    const next = await this.responses.next();
    if (next.done) throw new Error('stream ended before answering');
    return next.value;
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
