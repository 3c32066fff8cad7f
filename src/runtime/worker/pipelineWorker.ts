/**
 * The worker thread of one deployed pipeline: loads it (compiling and calibrating if need
 * be) and runs its model stages, so that neither a long load nor an inference — ONNX
 * Runtime's run and TensorFlow.js both hold the thread they run on — ever stalls the host's
 * event loop, its health checks or the other services.
 */
import { parentPort } from 'node:worker_threads';
import { isUserError, messageOf } from '../../common/errors';
import { readModelDef } from '../../pipeline/modelDefReader';
import { loadPipeline } from '../loadPipeline';
import type { RunnablePipeline } from '../loadPipeline';
import type { FromWorker, ToWorker } from './protocol';

const port = parentPort;
if (!port) throw new Error('pipelineWorker.js runs as a worker thread of the service host');

let pipeline: RunnablePipeline | undefined;

const reply = (message: FromWorker, transfer: ArrayBuffer[] = []): void => port.postMessage(message, transfer);

port.on('message', (message: ToWorker) => {
  void handle(message);
});

async function handle(message: ToWorker): Promise<void> {
  switch (message.kind) {
    case 'load':
      try {
        pipeline = await loadPipeline(readModelDef(message.zip), message.options);
        const { name, backend, engines, precision, synthetic, inputShape, labels, topK } = pipeline;
        reply({ kind: 'loaded', facts: { name, backend, engines: { ...engines }, precision, synthetic, inputShape: [...inputShape], labels: [...labels], topK } });
      } catch (error) {
        reply({ kind: 'loadFailed', message: messageOf(error), userError: isUserError(error) });
      }
      return;
    case 'score':
      try {
        if (!pipeline) throw new Error('score before load');
        const { scores, timings } = await pipeline.scoreStacked(message.input, message.batchSize);
        const flat = new Float32Array(scores.reduce((total, row) => total + row.length, 0));
        let offset = 0;
        for (const row of scores) {
          flat.set(row, offset);
          offset += row.length;
        }
        reply({ kind: 'scored', id: message.id, scores: flat, timings }, [flat.buffer]);
      } catch (error) {
        reply({ kind: 'scoreFailed', id: message.id, message: messageOf(error), userError: isUserError(error) });
      }
      return;
    case 'dispose':
      pipeline?.dispose();
      pipeline = undefined;
      reply({ kind: 'disposed' });
      return;
  }
}
