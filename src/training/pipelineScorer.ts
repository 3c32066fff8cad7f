/** Evaluating a model in this process: the runtime (and TensorFlow.js) load only for this. */
import type { ModelDef } from '../pipeline/modelDefReader';
import { loadPipeline } from '../runtime/loadPipeline';
import type { LoadPipelineOptions } from '../runtime/loadPipeline';
import { topK } from '../runtime/topK';
import { TOP, imageFailure } from './evaluateDataset';
import type { Scorer } from './evaluateDataset';

/** The model run here, on the engines a service would use. */
export async function pipelineScorer(modelDef: ModelDef, options: LoadPipelineOptions): Promise<Scorer> {
  const pipeline = await loadPipeline(modelDef, options);
  return {
    description: `pipeline ${pipeline.name} in this process (${pipeline.backend}, ${pipeline.precision})`,
    labels: pipeline.labels,
    batchSize: 8,
    score: async (images) => {
      const tensors = [];
      for (const image of images) tensors.push((await pipeline.prepare(image.bytes).catch(imageFailure(image.path))).tensor);
      const { scores } = await pipeline.score(tensors);
      return scores.map((row) => topK(row, pipeline.labels, TOP).map(({ label, score }) => ({ label, score })));
    },
    dispose: () => pipeline.dispose(),
  };
}
