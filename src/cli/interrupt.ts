/**
 * Ctrl-C during long work (training, an evaluation): the first one asks the work to stop at
 * its next step — training then keeps its best epoch — and the second quits at once, as a
 * user pressing it twice expects.
 */
export async function whileInterruptible<T>(notice: string, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const onInterrupt = (): void => {
    if (controller.signal.aborted) process.exit(130);
    process.stderr.write(`\n${notice}\n`);
    controller.abort();
  };
  process.on('SIGINT', onInterrupt);
  try {
    return await work(controller.signal);
  } finally {
    process.off('SIGINT', onInterrupt);
  }
}
