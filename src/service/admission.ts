/**
 * Admission control for one service: a count of the images it has taken on and not yet
 * answered — being read, decoded, pre-processed, waiting in the queue or in the running
 * batch. A request is admitted (its places held) before its body is decoded, and refused
 * with 429 when it would not fit, so that shedding load costs a refusal, not a decode:
 * under overload the work the host does is the work it will finish. Because everything the
 * batcher will ever hold was admitted here first, its own queue limit is never the one
 * that refuses.
 */
import { QueueFullError } from './batcher';

export class Admission {
  private held = 0;

  constructor(
    /** The most images taken on at once: the service's queue limit. */
    private readonly limit: number,
    /** Seconds after which a refused caller will probably be admitted. */
    private readonly retryAfterS: (held: number) => number,
  ) {}

  /** True when not even one more image would be admitted now: refuse before reading a body. */
  get full(): boolean {
    return this.held >= this.limit;
  }

  /** Holds `count` places, or throws QueueFullError; call the returned release exactly once. */
  admit(count: number): () => void {
    if (this.held + count > this.limit) throw this.refusal();
    this.held += count;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.held -= count;
    };
  }

  refusal(): QueueFullError {
    const retryAfterS = this.retryAfterS(this.held);
    return new QueueFullError(`the queue is full (${this.held} of ${this.limit} images being read, decoded, queued or run); retry in ${retryAfterS} s`, retryAfterS);
  }
}
