/**
 * Reads the weights of a Keras HDF5 weights file, the format of the official Keras
 * ImageNet files (`*_weights_tf_dim_ordering_tf_kernels.h5`, kerasWeightFiles.ts) and of
 * Keras 2 `model.save_weights('x.h5')` / `model.save('x.h5')`:
 *
 *   /                         attribute layer_names: every layer, in model order
 *   /<layer>                  attribute weight_names: e.g. conv1_conv/kernel:0, conv1_conv/bias:0
 *                             (batch norms: gamma:0, beta:0, moving_mean:0, moving_variance:0)
 *   /<layer>/<weight name>    the dataset; the name's '/' make nested groups
 *
 * A full-model save holds the same tree under /model_weights (beside the optimizer's state).
 * Keras splits an attribute larger than HDF5's 64 KiB attribute limit into `layer_names0`,
 * `layer_names1`, … (ResNet 152 has over 500 layers), which is read back as one list.
 *
 * Layout of the numbers: "tf_dim_ordering_tf_kernels" in the file names means channels-last
 * tensors with TensorFlow's kernel layout, which is also TensorFlow.js's: Conv2D kernels are
 * [height, width, in, out] (HWIO), depthwise kernels [height, width, in, multiplier], Dense
 * kernels [in, out]. Each dataset is the variable's value as Keras holds it, so it is taken
 * as it is, never transposed.
 *
 * The HDF5 library is h5wasm (the HDF5 C library compiled to WebAssembly, binary embedded in
 * its JavaScript). It is an ES module only, so it is loaded with a dynamic import, and it
 * stays out of the esbuild bundle (it locates itself with import.meta.url, which a CommonJS
 * bundle does not have) and ships in the extension's node_modules.
 */
import * as tf from '@tensorflow/tfjs';
import { open } from 'node:fs/promises';
import type * as H5 from 'h5wasm/node' with { 'resolution-mode': 'import' };
import { UserError } from '../../common/errors';

type H5Module = typeof H5;
type H5Group = H5.Group;

let loading: Promise<H5Module> | undefined;

/** The h5wasm module once its WebAssembly instance is ready (loaded on first use only). */
async function h5wasm(): Promise<H5Module> {
  loading ??= import('h5wasm/node').then(async (module) => {
    await module.ready;
    return module;
  });
  return loading;
}

/** HDF5's format signature; it starts the file, or a user block of 512·2^k bytes before it. */
const HDF5_SIGNATURE = Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);

/**
 * The weights of a Keras HDF5 file, keyed `<layer>/<weight>` without TensorFlow's `:0`
 * suffix (`conv1_conv/kernel`, `conv1_bn/moving_mean`), as loadWeightsByName takes them.
 * The tensors are the caller's to dispose; on failure none is left behind.
 */
export async function readKerasH5Weights(path: string): Promise<Map<string, tf.Tensor>> {
  await checkSignature(path);
  const h5 = await h5wasm();
  let file: H5.File;
  try {
    file = new h5.File(path, 'r');
  } catch (error) {
    throw new UserError(`cannot open ${path} as an HDF5 file: ${error instanceof Error ? error.message : String(error)}`);
  }
  const tensors = new Map<string, tf.Tensor>();
  try {
    const root = weightsRoot(h5, file, path);
    const layerNames = stringListAttribute(root, 'layer_names', path) ?? [];
    for (const layer of layerNames) {
      const group = root.get(layer);
      if (!(group instanceof h5.Group)) throw new UserError(`${path} lists layer "${layer}" in layer_names but has no group ${root.path === '/' ? '' : root.path}/${layer}`);
      const weightNames = stringListAttribute(group, 'weight_names', path);
      if (weightNames === undefined) throw new UserError(`${path} is not a Keras weights file: layer group "${layer}" has no weight_names attribute`);
      for (const weightName of weightNames) {
        const key = `${layer}/${weightName.slice(weightName.lastIndexOf('/') + 1).replace(/:\d+$/, '')}`;
        if (tensors.has(key)) throw new UserError(`${path} gives layer "${layer}" two weights named "${key}"`);
        tensors.set(key, readDataset(h5, group, weightName, layer, path));
      }
    }
    if (tensors.size === 0) throw new UserError(`${path} is a Keras weights file without any weights`);
    return tensors;
  } catch (error) {
    tf.dispose([...tensors.values()]);
    throw error;
  } finally {
    file.close();
  }
}

/** A missing or non-HDF5 file is refused here, before HDF5 prints its own diagnostics. */
async function checkSignature(path: string): Promise<void> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UserError(code === 'ENOENT' ? `the Keras weights file ${path} does not exist` : `cannot read ${path}: ${code ?? String(error)}`);
  }
  try {
    const { size } = await handle.stat();
    const head = Buffer.alloc(HDF5_SIGNATURE.length);
    for (let offset = 0; offset + head.length <= size; offset = offset === 0 ? 512 : offset * 2) {
      await handle.read(head, 0, head.length, offset);
      if (head.equals(HDF5_SIGNATURE)) return;
    }
    throw new UserError(`${path} is not an HDF5 file (no HDF5 signature): a Keras .h5 weights file was expected`);
  } finally {
    await handle.close();
  }
}

/** The group holding layer_names: the root of a weights file, /model_weights of a full-model save. */
function weightsRoot(h5: H5Module, file: H5.File, path: string): H5Group {
  if (hasAttribute(file, 'layer_names')) return file;
  const modelWeights = file.get('model_weights');
  if (modelWeights instanceof h5.Group && hasAttribute(modelWeights, 'layer_names')) return modelWeights;
  throw new UserError(
    `${path} is an HDF5 file but not a Keras weights file: neither / nor /model_weights has the layer_names attribute (a Keras 3 .weights.h5 file or another program's HDF5 file?)`,
  );
}

function hasAttribute(group: H5Group, name: string): boolean {
  const names = Object.keys(group.attrs);
  return names.includes(name) || names.includes(`${name}0`);
}

/** A string-list attribute, joined back from Keras's `<name>0`, `<name>1`, … chunks if split. */
function stringListAttribute(group: H5Group, name: string, path: string): string[] | undefined {
  const attrs = group.attrs;
  const whole = attrs[name];
  const parts = whole ? [whole] : [];
  for (let i = 0, chunk = attrs[`${name}0`]; !whole && chunk; chunk = attrs[`${name}${++i}`]) parts.push(chunk);
  if (parts.length === 0) return undefined;
  return parts.flatMap((attribute) => {
    const value = attribute.value;
    if (value === null || value === undefined) return [];
    // A layer without weights has an empty (numeric) array: nothing to read.
    if (ArrayBuffer.isView(value) && !(value instanceof DataView) && value.length === 0) return [];
    const list = Array.isArray(value) ? value : [value];
    return list.map((item) => {
      if (typeof item !== 'string') throw new UserError(`${path}: attribute ${name} of ${group.path} is not a list of names`);
      return item;
    });
  });
}

function readDataset(h5: H5Module, group: H5Group, weightName: string, layer: string, path: string): tf.Tensor {
  const dataset = group.get(weightName);
  if (!(dataset instanceof h5.Dataset)) throw new UserError(`${path} lists weight "${weightName}" of layer "${layer}" but has no dataset ${group.path}/${weightName}`);
  const shape = dataset.shape ?? [];
  const value = dataset.value;
  // Keras saves float32 variables; float64 (numpy's default) is narrowed, anything else refused.
  const data = value instanceof Float32Array ? value : value instanceof Float64Array ? Float32Array.from(value) : undefined;
  if (data === undefined) throw new UserError(`${path}: weight "${weightName}" of layer "${layer}" is ${JSON.stringify(dataset.dtype)}, not floating point`);
  if (data.length !== shape.reduce((a, b) => a * b, 1)) throw new UserError(`${path}: weight "${weightName}" of layer "${layer}" has ${data.length} values for shape [${shape.join(', ')}]`);
  return tf.tensor(data, shape, 'float32');
}
