/**
 * How the host shares the CPU between services: every ONNX Runtime session may use all
 * cores (intra-op threads = cores), so two batches running at once would oversubscribe
 * them and both get slower. The gate lets `permits` batches run at a time (1 by default),
 * the others wait in arrival order; waiting happens off the event loop's critical path
 * (nothing blocks), so health checks and management calls are answered meanwhile.
 */
export class ComputeGate {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly permits = 1) {}

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.running >= this.permits) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.running++;
    try {
      return await work();
    } finally {
      const next = this.waiting.shift();
      // The permit passes straight to the next in line; only with nobody waiting is it returned.
      if (next) next();
      else this.running--;
    }
  }
}
