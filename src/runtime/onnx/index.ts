/** TensorFlow.js layers models → ONNX graphs, their int8 (QDQ) quantization and onnxruntime sessions. */
export { CONVERTER_VERSION, SUPPORTED_LAYERS, UnsupportedLayerError, convertLayersModel } from './convertLayers';
export type { ConvertOptions } from './convertLayers';
export type { OnnxAttribute, OnnxGraph, OnnxInitializer, OnnxNode, OnnxValueInfo, TensorData } from './onnxGraph';
export { encodeOnnxModel } from './onnxProto';
export { createSession, runSession } from './ortSession';
export { chooseQuantizationScheme, quantizeStatic } from './quantizeQdq';
export type { QuantizationScheme } from './quantizeQdq';
