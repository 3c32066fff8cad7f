/**
 * The model store: the folder where featurizer weights and label lists live. A pipeline
 * zip never carries them (the original accelerated stage named a featurizer and the service
 * supplied its weights), so every machine that runs a service needs a store.
 *
 * Layout (paths relative to the store folder):
 *
 *   labels/imagenet_1000.txt          the 1000 ImageNet class names, one a line, in the
 *                                     standard Keras/TensorFlow order (line n = class n - 1)
 *   mobilenet_v1_0.25_224/model.json  MobileNet v1, width 0.25, as a TensorFlow.js layers
 *   mobilenet_v1_0.25_224/group*-shard*  model (Keras MobileNet with its top) and the weight
 *                                     shards its model.json lists
 *   mobilenet_v1_0.50_224/...         width 0.5   (catalog name mobilenet_v1_0.5)
 *   mobilenet_v1_0.75_224/...         width 0.75  (catalog name mobilenet_v1_0.75)
 *   mobilenet_v1_1.0_224/...          width 1.0   (catalog name mobilenet_v1_1.0)
 *   resnet50/model.json + shards      optional: Keras ResNet50(include_top=True) converted to
 *                                     TensorFlow.js; only its weights are used, by Keras layer
 *                                     name (conv1_conv/kernel, …, predictions/bias); without it
 *                                     ResNet 50 runs on generated weights
 *   resnet152/model.json + shards     optional, the same for Keras ResNet152
 *   densenet121/model.json + shards   optional, the same for Keras DenseNet121 (layer names as
 *                                     Keras 2 spells them, conv1/conv/kernel, or as Keras 3
 *                                     does, conv1_conv/kernel)
 *   vgg16/model.json + shards         optional, the same for Keras VGG16 (block1_conv1, …, fc1,
 *                                     fc2, predictions)
 *   resnet50/resnet50_weights_tf_dim_ordering_tf_kernels.h5
 *   resnet152/resnet152_weights_tf_dim_ordering_tf_kernels.h5
 *   densenet121/densenet121_weights_tf_dim_ordering_tf_kernels.h5
 *   vgg16/vgg16_weights_tf_dim_ordering_tf_kernels.h5
 *                                     optional: the official Keras ImageNet HDF5 file under its
 *                                     own name (src/runtime/featurizers/kerasWeightFiles.ts),
 *                                     used where the folder has no model.json; with neither,
 *                                     the featurizer runs on generated weights
 *
 * MobileNet folder names are those of Google's published TensorFlow.js models, so a
 * downloaded folder can be dropped in as it is.
 */
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { UserError } from '../common/errors';

export const MODEL_STORE_ENV = 'FPGA_MODEL_STORE';
export const MODEL_STORE_SETTING = 'fpga.modelStore';

/** Where the store is: explicit (a CLI flag) > $FPGA_MODEL_STORE > the setting > ~/.fpga/models. */
export function resolveModelStore(explicit?: string, setting?: string): string {
  const chosen = [explicit, process.env[MODEL_STORE_ENV], setting].find((value) => value !== undefined && value.trim() !== '');
  return chosen !== undefined ? resolve(expandHome(chosen.trim())) : join(homedir(), '.fpga', 'models');
}

/**
 * The store a caller asked for (a flag, $FPGA_MODEL_STORE or the setting), or undefined when it
 * asked for none and takes the default: only a store someone chose is worth comparing with the
 * store a running host reads.
 */
export function chosenModelStore(explicit?: string, setting?: string): string | undefined {
  const chosen = [explicit, process.env[MODEL_STORE_ENV], setting].some((value) => value !== undefined && value.trim() !== '');
  return chosen ? resolveModelStore(explicit, setting) : undefined;
}

function expandHome(path: string): string {
  return path === '~' || path.startsWith('~/') ? join(homedir(), path.slice(1)) : path;
}

/** `labels/<name>_1000.txt` for the store's label lists (only `imagenet` so far). */
export function storeLabelsPath(store: string, name: string): string {
  return join(store, 'labels', `${name}_1000.txt`);
}

/** Folder of a catalog MobileNet (`mobilenet_v1_0.5` → `mobilenet_v1_0.50_224`). */
export function mobilenetFolder(store: string, catalogName: string): string {
  const width = catalogName.replace(/^mobilenet_v1_/, '');
  const folderWidth = width === '0.5' ? '0.50' : width;
  return join(store, `mobilenet_v1_${folderWidth}_224`);
}

/** Names of the featurizers whose store folder is simply their catalog name. */
export type KerasModelName = 'resnet50' | 'resnet152' | 'densenet121' | 'vgg16';

/** Folder of a Keras featurizer's optional real weights (`<store>/<catalog name>`). */
export function kerasModelFolder(store: string, name: KerasModelName): string {
  return join(store, name);
}

export function resnet50Folder(store: string): string {
  return kerasModelFolder(store, 'resnet50');
}

export function resnet152Folder(store: string): string {
  return kerasModelFolder(store, 'resnet152');
}

export function densenet121Folder(store: string): string {
  return kerasModelFolder(store, 'densenet121');
}

export function vgg16Folder(store: string): string {
  return kerasModelFolder(store, 'vgg16');
}

/**
 * Reads a store label list. A missing file is the user's to fix, so the message says which
 * file to place where and how the store is chosen.
 */
export async function readStoreLabels(store: string, name: string): Promise<string[]> {
  const path = storeLabelsPath(store, name);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new UserError(
        `the "${name}" class names are missing from the model store: place them in ${path} (one class name a line); ${storeHint()}`,
      );
    }
    throw new UserError(`cannot read ${path}: ${code ?? String(error)}`);
  }
  return parseLabels(text);
}

/**
 * One class name a line, line n naming class n - 1. Windows line ends are accepted; a final
 * newline does not add an empty class.
 */
export function parseLabels(text: string): string[] {
  const lines = text.replace(/^\uFEFF/, '').split('\n').map((line) => (line.endsWith('\r') ? line.slice(0, -1) : line));
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** The text that tells a user how to choose the store, for messages about missing content. */
export function storeHint(): string {
  return `the model store is chosen with ${MODEL_STORE_ENV} or the ${MODEL_STORE_SETTING} setting (default ~/.fpga/models)`;
}
