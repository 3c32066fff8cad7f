/**
 * TensorFlow.js layers models → ONNX graphs, their int8 (QDQ) quantization and
 * onnxruntime sessions. The usual flow:
 *
 *   const graph = convertLayersModel(model, { graphName, to: featureLayer, outputShape });
 *   const { graph: int8 } = await quantizeStatic(graph, images, { inputShape, scheme: chooseQuantizationScheme(flags) });
 *   const session = await createSession(encodeOnnxModel(int8, metadata), threads);
 *   const output = await runSession(session, batch, [n, ...inputShape]);
 */
export { CONVERTER_VERSION, SUPPORTED_LAYERS, UnsupportedLayerError, convertLayersModel } from './convertLayers';
export type { ConvertOptions } from './convertLayers';
export type { OnnxAttribute, OnnxGraph, OnnxInitializer, OnnxNode, OnnxValueInfo, TensorData } from './onnxGraph';
export { encodeOnnxModel } from './onnxProto';
export { createSession, runSession } from './ortSession';
export { chooseQuantizationScheme, quantizeStatic } from './quantizeQdq';
export type { QuantizationScheme } from './quantizeQdq';
