/**
 * Admission control for one service: a count of the images it has taken on and not yet
 * answered — being read, decoded, pre-processed, waiting in the queue or in the running
 * batch. A request is admitted (its places held) before its body is decoded, and refused
 * with 429 when it would not fit, so that shedding load costs a refusal, not a decode:
 * under overload the work the host does is the work it will finish.
 */
import { QueueFullError } from './batcher';

export class Admission {
  private held = 0;

  constructor(
    /** Images that may wait (decoding or queued) beyond the batch that runs. */
    private readonly queueLimit: number,
    private readonly maxBatchSize: number,
    /** Seconds after which a refused caller will probably be admitted. */
    private readonly retryAfterS: (waiting: number) => number,
  ) {}

  /** True when not even one more image would be admitted now: refuse before reading a body. */
  get full(): boolean {
    return this.held >= this.capacity;
  }

  /** Holds `count` places, or throws QueueFullError; call the returned release exactly once. */
  admit(count: number): () => void {
    if (this.held + count > this.capacity) throw this.refusal();
    this.held += count;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.held -= count;
    };
  }

  refusal(): QueueFullError {
    const waiting = Math.max(0, this.held - this.maxBatchSize);
    const retryAfterS = this.retryAfterS(waiting);
    return new QueueFullError(`the queue is full (${waiting} of ${this.queueLimit} images waiting or being decoded); retry in ${retryAfterS} s`, retryAfterS);
  }

  /** The running batch, plus the queue limit. */
  private get capacity(): number {
    return this.queueLimit + this.maxBatchSize;
  }
}
