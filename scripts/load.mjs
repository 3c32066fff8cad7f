// `node scripts/load.mjs [concurrency...]`: how the host sheds load. Starts a host in a
// scratch state folder (the built dist/cli.js), deploys the MobileNet example and keeps N
// clients posting cat_720p.jpg to /classify for a fixed time, for each N given (default
// 16 and 100). Prints one markdown row per N: answers by status, p50/p99 latency of the
// 200s and of the 429s, and successful images/s. Run `npm run build` first; FPGA_CLI names
// another build's cli.js, to compare two versions on the same machine at the same time.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request, Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const cli = process.env.FPGA_CLI ?? join(root, 'dist', 'cli.js');
const image = readFileSync(resolve(root, '..', 'shared', 'images', 'cat_720p.jpg'));
const SECONDS = Number(process.env.LOAD_SECONDS ?? 20);
const levels = process.argv.slice(2).map(Number);
if (levels.length === 0) levels.push(16, 100);

const state = mkdtempSync(join(tmpdir(), 'fpga-load-'));
const service = 'load-test';

function fpga(...args) {
  const run = spawnSync(process.execPath, [cli, ...args, '--state', state], { encoding: 'utf8', env: { ...process.env, FPGA_MODEL_STORE: resolve(root, '..', 'shared', 'models') } });
  if (run.status !== 0) throw new Error(`fpga ${args[0]} exited with ${run.status}: ${run.stderr}`);
  return run.stdout;
}

function post(url, key, agent) {
  return new Promise((done) => {
    const started = performance.now();
    const req = request(url, { method: 'POST', agent, headers: { authorization: `Bearer ${key}`, 'content-type': 'image/jpeg', 'content-length': image.length } }, (res) => {
      res.resume();
      res.on('end', () => done({ status: res.statusCode, ms: performance.now() - started }));
    });
    req.on('error', () => done({ status: 0, ms: performance.now() - started }));
    req.end(image);
  });
}

function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function run(url, key, concurrency) {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const results = [];
  const deadline = performance.now() + SECONDS * 1000;
  const client = async () => {
    while (performance.now() < deadline) {
      const result = await post(url, key, agent);
      results.push(result);
      // A refused client backs off briefly, as a polite client honouring Retry-After would not
      // hammer; without it the measurement is of a busy loop, not of the host.
      if (result.status === 429) await sleep(50);
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, client));
  const elapsed = (performance.now() - started) / 1000;
  agent.destroy();
  const by = (status) => results.filter((r) => r.status === status).map((r) => r.ms).sort((a, b) => a - b);
  const ok = by(200);
  const refused = by(429);
  const other = results.length - ok.length - refused.length;
  const f = (n) => (Number.isNaN(n) ? '–' : n.toFixed(0));
  console.log(`| ${concurrency} | ${ok.length} | ${refused.length} | ${other} | ${f(percentile(ok, 50))} | ${f(percentile(ok, 99))} | ${f(percentile(refused, 50))} | ${f(percentile(refused, 99))} | ${(ok.length / elapsed).toFixed(1)} |`);
}

try {
  fpga('deploy', join(root, 'examples', 'mobilenet.pipeline.json'), '--name', service);
  const key = JSON.parse(fpga('keys', service, '--json')).primary;
  const host = JSON.parse(readFileSync(join(state, 'host.json'), 'utf8'));
  const url = `${host.url}/v2/models/${service}/classify`;
  await post(url, key, undefined); // warm-up
  console.log(`${SECONDS} s per row, cat_720p.jpg (${image.length} bytes), default queue limit`);
  console.log('| clients | 200 | 429 | other | 200 p50 ms | 200 p99 ms | 429 p50 ms | 429 p99 ms | images/s |');
  console.log('| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const concurrency of levels) await run(url, key, concurrency);
} finally {
  spawnSync(process.execPath, [cli, 'stop', '--state', state], { stdio: 'ignore' });
  rmSync(state, { recursive: true, force: true });
}
