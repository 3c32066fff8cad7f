/**
 * Accuracy, per-class precision and recall, the confusion matrix and the mistakes, from
 * each image's expected class (its folder) and the model's best guesses. Shared by
 * `fpga evaluate`, the validation report of `fpga train` and the editor's report.
 */

export interface Guess {
  label: string;
  score: number;
}

export interface ScoredImage {
  /** How the report names the image: its path inside the dataset folder. */
  image: string;
  /** Where it is on disk (for thumbnails); left out of JSON output. */
  path: string;
  expected: string;
  /** The model's top guesses, best first (at least one). */
  top: Guess[];
}

export interface ClassMetrics {
  class: string;
  /** Of the images predicted as this class, the fraction that are; 0 when none was predicted as it. */
  precision: number;
  /** Of this class's images, the fraction predicted as it. */
  recall: number;
  images: number;
}

export interface Mistake {
  image: string;
  expected: string;
  predicted: string;
  /** The top 3 guesses with their scores. */
  top3: Guess[];
}

export interface Evaluation {
  accuracy: number;
  images: number;
  classes: string[];
  per_class: ClassMetrics[];
  /**
   * Rows: expected class, in `classes` order. Columns: predicted label, in
   * `confusion_columns` order — the classes, then any label the model gave that is not a
   * class of the dataset (a model trained on other classes).
   */
  confusion: number[][];
  confusion_columns: string[];
  mistakes: Mistake[];
}

/** Evaluation plus where each mistake's image is, for thumbnails. */
export interface EvaluationWithPaths {
  evaluation: Evaluation;
  /** Image name → path on disk, for the mistakes. */
  paths: Record<string, string>;
}

export function evaluate(classes: readonly string[], scored: readonly ScoredImage[]): EvaluationWithPaths {
  const predictedOf = (item: ScoredImage): string => item.top[0]?.label ?? '';
  const extra = [...new Set(scored.map(predictedOf).filter((label) => !classes.includes(label)))].sort();
  const columns = [...classes, ...extra];
  const confusion = classes.map(() => columns.map(() => 0));
  const mistakes: Mistake[] = [];
  const paths: Record<string, string> = {};
  for (const item of scored) {
    const row = classes.indexOf(item.expected);
    const predicted = predictedOf(item);
    const column = columns.indexOf(predicted);
    const cells = confusion[row];
    if (cells) cells[column] = (cells[column] ?? 0) + 1;
    if (predicted !== item.expected) {
      mistakes.push({ image: item.image, expected: item.expected, predicted, top3: item.top.slice(0, 3) });
      paths[item.image] = item.path;
    }
  }
  const perClass = classes.map((label, i) => {
    const images = sum(confusion[i] ?? []);
    const correct = confusion[i]?.[i] ?? 0;
    const predictedAs = sum(confusion.map((row) => row[i] ?? 0));
    return { class: label, precision: predictedAs === 0 ? 0 : correct / predictedAs, recall: images === 0 ? 0 : correct / images, images };
  });
  const correct = sum(classes.map((_, i) => confusion[i]?.[i] ?? 0));
  return {
    evaluation: {
      accuracy: scored.length === 0 ? 0 : correct / scored.length,
      images: scored.length,
      classes: [...classes],
      per_class: perClass,
      confusion,
      confusion_columns: columns,
      mistakes,
    },
    paths,
  };
}

function sum(values: readonly number[]): number {
  return values.reduce((total, value) => total + value, 0);
}
