/**
 * TensorFlow's 'same' padding, which ONNX has no exact attribute for once the sizes are
 * known: the output is ceil(in / stride) long, and when the padding this needs is odd the
 * extra row or column goes after (bottom/right).
 */
function samePads(inSize: number, kernel: number, stride: number, dilation: number): [before: number, after: number] {
  const extent = (kernel - 1) * dilation + 1;
  const outSize = Math.ceil(inSize / stride);
  const total = Math.max((outSize - 1) * stride + extent - inSize, 0);
  const before = Math.floor(total / 2);
  return [before, total - before];
}

/** ONNX `pads` for 2-D ops: [top, left, bottom, right]. */
export function pads2d(padding: string, inSize: readonly [number, number], kernel: readonly [number, number], strides: readonly [number, number], dilations: readonly [number, number] = [1, 1]): number[] {
  if (padding !== 'same') return [0, 0, 0, 0];
  const [top, bottom] = samePads(inSize[0], kernel[0], strides[0], dilations[0]);
  const [left, right] = samePads(inSize[1], kernel[1], strides[1], dilations[1]);
  return [top, left, bottom, right];
}
