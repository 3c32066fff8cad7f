/**
 * What a training or evaluation report shows. The standalone HTML file (`--report`) and the
 * editor's report panel are both drawn from this by renderReport.ts.
 */
import type { Evaluation } from '../evaluation';
import type { EpochStats } from '../head';

export interface ReportData {
  title: string;
  /** Facts under the title, as label and value. */
  facts: [string, string][];
  /** Null when there was nothing to evaluate on (training with --validation-split 0). */
  evaluation: Evaluation | null;
  /** What the evaluation was run on, e.g. "validation images (photos training did not see)". */
  evaluatedOn: string;
  /** Per epoch; empty for an evaluation. */
  history: EpochStats[];
  bestEpoch?: number;
  /** `data:` URIs of the mistaken images' thumbnails, by image name. */
  thumbnails: Record<string, string>;
}
