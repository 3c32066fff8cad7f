/**
 * The files a TensorFlow.js model consists of: `model.json` and the weight shards its
 * `weightsManifest` lists, relative to the folder of `model.json`.
 */
import { readFileSync } from 'node:fs';

export type TfjsModelFiles = { ok: true; weightPaths: string[] } | { ok: false; error: string };

export function readTfjsModelFiles(modelJsonPath: string): TfjsModelFiles {
  let text: string;
  try {
    text = readFileSync(modelJsonPath, 'utf8');
  } catch {
    return { ok: false, error: `model file not found: ${modelJsonPath}` };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, error: `${modelJsonPath} is not valid JSON: expected a TensorFlow.js model.json` };
  }
  const manifest = (json as { weightsManifest?: unknown } | null)?.weightsManifest;
  const topology = (json as { modelTopology?: unknown } | null)?.modelTopology;
  if (!Array.isArray(manifest) || topology === undefined) {
    return { ok: false, error: `${modelJsonPath} is not a TensorFlow.js model.json (no modelTopology or weightsManifest)` };
  }
  const weightPaths: string[] = [];
  for (const group of manifest) {
    const paths = (group as { paths?: unknown } | null)?.paths;
    if (!Array.isArray(paths) || !paths.every((p) => typeof p === 'string')) {
      return { ok: false, error: `${modelJsonPath}: every weightsManifest group needs a "paths" list of file names` };
    }
    for (const p of paths) {
      if (!isPlainRelativePath(p)) {
        return { ok: false, error: `${modelJsonPath}: weight file "${p}" must be a relative path inside the model's folder` };
      }
      weightPaths.push(p);
    }
  }
  return { ok: true, weightPaths };
}

/** No absolute paths, drive letters, backslashes or `..`: the file must stay beside model.json. */
export function isPlainRelativePath(p: string): boolean {
  return p.length > 0 && !p.startsWith('/') && !/^[A-Za-z]:/.test(p) && !p.includes('\\') && !p.split('/').some((s) => s === '..' || s === '');
}
