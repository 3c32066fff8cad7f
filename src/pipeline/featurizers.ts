/**
 * What a pipeline may name in an `accelerated` stage: the featurizers the original FPGA
 * service offered (ResNet 50, ResNet 152, DenseNet-121, VGG-16) plus MobileNet v1, whose
 * real weights are small enough to keep offline. This is the format-level contract
 * (names, versions, shapes, pre-processing); architectures and weights live in the runtime.
 */
import type { ChannelOrder, PreprocessStage } from './types';

export interface PreprocessConvention {
  resize: { shorterSide: number } | { width: number; height: number };
  centerCrop?: [number, number];
  channelOrder: ChannelOrder;
  mean: [number, number, number];
  std: [number, number, number];
}

export interface FeaturizerInfo {
  name: string;
  displayName: string;
  versions: readonly string[];
  /** [height, width, channels] the featurizer takes. */
  inputShape: [number, number, number];
  /** Shape of one image's features, as the original `output_tensor_dims`. */
  featureShape: [number, number, number];
  /** Classes scored by the default ImageNet classifier. */
  classes: number;
  preprocess: PreprocessConvention;
}

/** Keras "caffe" convention: BGR order, ImageNet means subtracted, no scaling. */
const CAFFE: PreprocessConvention = {
  resize: { shorterSide: 256 },
  centerCrop: [224, 224],
  channelOrder: 'BGR',
  mean: [103.939, 116.779, 123.68],
  std: [1, 1, 1],
};

/** Keras "torch" convention (x/255 - mean) / std, written on the 0–255 scale. */
const TORCH: PreprocessConvention = {
  resize: { shorterSide: 256 },
  centerCrop: [224, 224],
  channelOrder: 'RGB',
  mean: [123.675, 116.28, 103.53],
  std: [58.395, 57.12, 57.375],
};

/** Keras "tf" convention: x / 127.5 - 1, i.e. values in [-1, 1]. */
const TF: PreprocessConvention = {
  resize: { width: 224, height: 224 },
  channelOrder: 'RGB',
  mean: [127.5, 127.5, 127.5],
  std: [127.5, 127.5, 127.5],
};

const IMAGE_224: [number, number, number] = [224, 224, 3];

function mobilenet(width: string, features: number): FeaturizerInfo {
  return {
    name: `mobilenet_v1_${width}`,
    displayName: `MobileNet v1 ${width}`,
    versions: ['1'],
    inputShape: IMAGE_224,
    featureShape: [1, 1, features],
    classes: 1000,
    preprocess: TF,
  };
}

export const FEATURIZERS: readonly FeaturizerInfo[] = [
  { name: 'resnet50', displayName: 'ResNet 50', versions: ['1'], inputShape: IMAGE_224, featureShape: [1, 1, 2048], classes: 1000, preprocess: CAFFE },
  { name: 'resnet152', displayName: 'ResNet 152', versions: ['1'], inputShape: IMAGE_224, featureShape: [1, 1, 2048], classes: 1000, preprocess: CAFFE },
  { name: 'densenet121', displayName: 'DenseNet-121', versions: ['1'], inputShape: IMAGE_224, featureShape: [1, 1, 1024], classes: 1000, preprocess: TORCH },
  { name: 'vgg16', displayName: 'VGG-16', versions: ['1'], inputShape: IMAGE_224, featureShape: [7, 7, 512], classes: 1000, preprocess: CAFFE },
  mobilenet('0.25', 256),
  mobilenet('0.5', 512),
  mobilenet('0.75', 768),
  mobilenet('1.0', 1024),
];

export const DEFAULT_FEATURIZER_VERSION = '1';

/** MobileNet v1 at any width: its weights come as a TensorFlow.js folder, the others as Keras files. */
export function isMobilenet(name: string): boolean {
  return name.startsWith('mobilenet_v1_');
}

export function findFeaturizer(name: string): FeaturizerInfo | undefined {
  return FEATURIZERS.find((f) => f.name === name);
}

/** The pre-processing stage a featurizer expects, as a pipeline file would spell it. */
export function conventionalPreprocess(featurizer: FeaturizerInfo): PreprocessStage {
  const p = featurizer.preprocess;
  return {
    type: 'preprocess',
    name: 'preprocess',
    resize: p.resize,
    ...(p.centerCrop ? { centerCrop: p.centerCrop } : {}),
    channelOrder: p.channelOrder,
    mean: p.mean,
    std: p.std,
  };
}
