/**
 * The validation split: stratified per class (each class gives about the same fraction),
 * by group (a group's images all land on one side: see dataset.ts), seeded.
 */
import { UserError } from '../common/errors';
import type { Dataset, DatasetImage } from './dataset';
import { seededRandom, shuffle } from './random';

export interface Split {
  train: DatasetImage[];
  validation: DatasetImage[];
}

export function splitDataset(dataset: Dataset, fraction: number, seed: number): Split {
  if (!(fraction >= 0 && fraction < 1)) throw new UserError(`--validation-split ${fraction} is not a fraction: give a number from 0 (no validation) to below 1, e.g. 0.2`);
  if (fraction === 0) return { train: [...dataset.images], validation: [] };
  const random = seededRandom(seed);
  const train: DatasetImage[] = [];
  const validation: DatasetImage[] = [];
  for (const [classIndex, label] of dataset.classes.entries()) {
    const groups = groupsOf(dataset.images.filter((image) => image.classIndex === classIndex));
    if (groups.length < 2) {
      throw new UserError(
        `class "${label}" has all its images in one group (folder ${groups[0]?.[0]?.group ?? label}), so none can be kept apart for validation: add images of other scenes, or use --validation-split 0`,
      );
    }
    shuffle(groups, random);
    const total = groups.reduce((sum, group) => sum + group.length, 0);
    const wanted = Math.max(1, Math.round(total * fraction));
    let taken = 0;
    // At least one group each side; then groups go to validation while that brings it closer to the wanted count.
    for (const [i, group] of groups.entries()) {
      const closer = Math.abs(taken + group.length - wanted) < Math.abs(taken - wanted);
      const side = i === 0 || (i < groups.length - 1 && taken < wanted && closer) ? validation : train;
      if (side === validation) taken += group.length;
      side.push(...group);
    }
  }
  return { train, validation };
}

/** The images by group, in dataset order within each group. */
function groupsOf(images: readonly DatasetImage[]): DatasetImage[][] {
  const byGroup = new Map<string, DatasetImage[]>();
  for (const image of images) {
    const group = byGroup.get(image.group) ?? [];
    group.push(image);
    byGroup.set(image.group, group);
  }
  return [...byGroup.values()];
}
