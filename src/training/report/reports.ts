/** The report of a training run (from its training.json) and of an evaluation. */
import { basename } from 'node:path';
import type { DatasetEvaluation } from '../evaluateDataset';
import type { TrainingRecord } from '../trainClassifier';
import type { ReportData } from './reportData';
import { thumbnails } from './thumbnails';

export async function trainingReport(record: TrainingRecord): Promise<ReportData> {
  const { dataset, result, options } = record;
  const skipped = dataset.skipped.length;
  return {
    title: `Classifier trained on ${basename(dataset.root)}`,
    facts: [
      ['classes', dataset.classes.map((c) => `${c.class} (${c.images})`).join(', ')],
      ['images', `${result.images} (${dataset.train} training, ${dataset.validation} validation${options.augment ? ', training images augmented ×5' : ''})`],
      ...(skipped > 0 ? [['skipped', `${skipped} file${skipped === 1 ? '' : 's'}`] as [string, string]] : []),
      ['featurizer', `${record.featurizer} ${record.precision} on ${record.engine.engine}${record.synthetic ? ' (generated weights: meaningless features)' : ''}`],
      ['epochs', `${result.epochs}${result.stopped ? ' (stopped early)' : ''}, best ${result.best_epoch}`],
      ['features', `${result.features_computed} computed, ${result.features_cached} from the cache`],
      ['pipeline', result.pipeline],
    ],
    evaluation: record.validation,
    evaluatedOn: record.validation ? 'validation images' : 'No validation images (--validation-split 0): run fpga evaluate on a folder of other images.',
    history: record.history,
    bestEpoch: result.best_epoch,
    thumbnails: await thumbnails(record.validation_paths),
  };
}

export async function evaluationReport(target: string, datasetRoot: string, scorer: string, outcome: DatasetEvaluation): Promise<ReportData> {
  return {
    title: `${basename(target)} on ${basename(datasetRoot)}`,
    facts: [
      ['model', scorer],
      ['dataset', datasetRoot],
      ['classes', outcome.evaluation.classes.join(', ')],
      ...(outcome.unknownClasses.length > 0 ? [['not among the model\'s labels', outcome.unknownClasses.join(', ')] as [string, string]] : []),
    ],
    evaluation: outcome.evaluation,
    evaluatedOn: 'images',
    history: [],
    thumbnails: await thumbnails(outcome.paths),
  };
}
