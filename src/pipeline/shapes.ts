/** Tensor shapes between stages, without the batch dimension; -1 is a size known only at run time. */
export type Shape = readonly number[];

export function formatShape(shape: Shape): string {
  return `[${shape.join(', ')}]`;
}

/**
 * A produced shape fits an expected one when ranks agree and each dimension is equal or
 * left open (-1) by the consumer. A size known only at run time (-1) never satisfies a
 * fixed one: the image could come out at any size.
 */
export function shapesCompatible(produced: Shape, expected: Shape): boolean {
  return produced.length === expected.length && produced.every((d, i) => d === expected[i] || expected[i] === -1);
}
