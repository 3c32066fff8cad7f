/**
 * A tiny test runner for the extension host: tests run one after another, each prints one
 * line, and the last line counts them. Mocha would add a dependency for no gain here.
 */
import { appendFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

export interface TestCase {
  name: string;
  run: () => Promise<void>;
}

export interface Summary {
  passed: number;
  failed: number;
}

/**
 * The extension host's console reaches the browser, not the terminal that started
 * code-server: lines also go to the file the tier runner names, which it prints.
 */
function report(line: string): void {
  console.log(`[fpga-integration] ${line}`);
  const file = process.env.FPGA_INTEGRATION_RESULTS;
  if (file) appendFileSync(file, line + '\n');
}

export async function runTests(tests: readonly TestCase[]): Promise<Summary> {
  let passed = 0;
  let failed = 0;
  for (const test of tests) {
    const started = Date.now();
    try {
      await test.run();
      passed++;
      report(`ok    ${test.name} (${Date.now() - started} ms)`);
    } catch (error) {
      failed++;
      const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
      report(`FAIL  ${test.name} (${Date.now() - started} ms)\n      ${message.replace(/\n/g, '\n      ')}`);
    }
  }
  report(`${passed} passed, ${failed} failed`);
  return { passed, failed };
}

/**
 * Polls until `probe` returns a value (not undefined): VS Code updates diagnostics, tabs
 * and language features asynchronously, so a single read would race them.
 */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      const reason = lastError instanceof Error ? `: ${lastError.message}` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${reason}`);
    }
    await sleep(200);
  }
}
