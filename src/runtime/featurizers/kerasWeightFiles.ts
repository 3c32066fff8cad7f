/**
 * The official Keras ImageNet weight files (HDF5, `include_top=True`) of the featurizers
 * built in code, as Keras's own application modules download them: same URL, same file
 * name, same published hash. A file saved as `<store>/<featurizer>/<fileName>` is loaded by
 * loadKerasFeaturizer when the folder has no model.json (kerasFeaturizer.ts).
 *
 * Sources (keras-team/keras, keras/src/applications/):
 * - resnet.py: BASE_WEIGHTS_PATH `https://storage.googleapis.com/tensorflow/keras-applications/resnet/`,
 *   file `<model_name>_weights_tf_dim_ordering_tf_kernels.h5`, WEIGHTS_HASHES[model_name][0]
 *   (the first hash is the include_top file's, the second the notop file's).
 * - densenet.py: DENSENET121_WEIGHT_PATH and its get_file `file_hash`.
 * - vgg16.py: WEIGHTS_PATH and its get_file `file_hash`.
 * Keras's get_file treats a 32-hex-digit file_hash as MD5 (a 64-digit one as SHA-256), so
 * these are MD5 digests of the whole file.
 *
 * Sizes are given only where a download log of that very URL shows the byte count
 * (VGG16: Keras's progress bar reports 553467096); elsewhere they are left out rather
 * than guessed, and a downloader should rely on the MD5.
 */
import type { KerasModelName } from '../modelStore';

export interface KerasWeightFile {
  /** Catalog name of the featurizer, also its store folder's name. */
  readonly featurizer: KerasModelName;
  /** The official file name, which is also the name it must have in the store folder. */
  readonly fileName: string;
  /** Where Keras downloads it from. */
  readonly url: string;
  /** MD5 of the file, hex, as Keras publishes it (get_file's file_hash). */
  readonly md5: string;
  /** Size in bytes, where a published figure is known. */
  readonly sizeBytes?: number;
}

const KERAS_APPLICATIONS = 'https://storage.googleapis.com/tensorflow/keras-applications';

export const KERAS_WEIGHT_FILES: readonly KerasWeightFile[] = [
  {
    featurizer: 'resnet50',
    fileName: 'resnet50_weights_tf_dim_ordering_tf_kernels.h5',
    url: `${KERAS_APPLICATIONS}/resnet/resnet50_weights_tf_dim_ordering_tf_kernels.h5`,
    md5: '2cb95161c43110f7111970584f804107',
  },
  {
    featurizer: 'resnet152',
    fileName: 'resnet152_weights_tf_dim_ordering_tf_kernels.h5',
    url: `${KERAS_APPLICATIONS}/resnet/resnet152_weights_tf_dim_ordering_tf_kernels.h5`,
    md5: '100835be76be38e30d865e96f2aaae62',
  },
  {
    featurizer: 'densenet121',
    fileName: 'densenet121_weights_tf_dim_ordering_tf_kernels.h5',
    url: `${KERAS_APPLICATIONS}/densenet/densenet121_weights_tf_dim_ordering_tf_kernels.h5`,
    md5: '9d60b8095a5708f2dcce2bca79d332c7',
  },
  {
    featurizer: 'vgg16',
    fileName: 'vgg16_weights_tf_dim_ordering_tf_kernels.h5',
    url: `${KERAS_APPLICATIONS}/vgg16/vgg16_weights_tf_dim_ordering_tf_kernels.h5`,
    md5: '64373286793e3c8b2b4e3219cbf3544b',
    sizeBytes: 553_467_096,
  },
];

/** The official weight file of a featurizer built in code. */
export function kerasWeightFile(featurizer: KerasModelName): KerasWeightFile {
  const file = KERAS_WEIGHT_FILES.find((entry) => entry.featurizer === featurizer);
  if (!file) throw new Error(`KERAS_WEIGHT_FILES has no entry for ${featurizer}`);
  return file;
}
