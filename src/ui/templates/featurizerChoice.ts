/**
 * How New Pipeline offers featurizers: those the model store has real weights for come first
 * (the pick pre-selects the first item), then those that would run on generated weights, then
 * those that cannot run here. No vscode here: plain-Node unit tests cover it.
 */
import type { FeaturizerInfo } from '../../pipeline/featurizers';
import type { WeightsState } from '../../runtime/featurizers/storeStatus';
import type { Localize } from '../localize';
import { formatMessage } from '../localize';

const RANK: Readonly<Record<WeightsState, number>> = { present: 0, synthetic: 1, missing: 2 };

export interface FeaturizerChoice {
  featurizer: FeaturizerInfo;
  weights: WeightsState;
}

/** Real weights first; the catalog's order within each group. */
export function orderByWeights(featurizers: readonly FeaturizerInfo[], weightsOf: (name: string) => WeightsState): FeaturizerChoice[] {
  return featurizers
    .map((featurizer, index) => ({ featurizer, weights: weightsOf(featurizer.name), index }))
    .sort((a, b) => RANK[a.weights] - RANK[b.weights] || a.index - b.index)
    .map(({ featurizer, weights }) => ({ featurizer, weights }));
}

/** What the pick says beside a featurizer's name about the weights it would run on. */
export function weightsDescription(weights: WeightsState, t: Localize = formatMessage): string {
  switch (weights) {
    case 'present':
      return t('real weights');
    case 'synthetic':
      return t('generated weights: real timings, meaningless classes');
    case 'missing':
      return t('weights missing from the model store');
  }
}
