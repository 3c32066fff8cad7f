/**
 * Finds the model_def.zip that `fpga serve --model <path>` serves. The path is the zip
 * itself, or a folder holding exactly one zip somewhere beneath it: that is how Azure
 * Machine Learning mounts a registered model (AZUREML_MODEL_DIR is
 * `.../azureml-models/<model>/<version>`, and the registered files may sit in a subfolder
 * named after what was uploaded).
 */
import { readdir, stat } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { UserError, messageOf } from '../common/errors';

/** Folders deeper than this are not searched: a model mount is two or three levels deep. */
const MAX_DEPTH = 8;
/** How many of a folder's files an error names before it says "and N more". */
const NAMES_SHOWN = 5;

export interface LocatedModel {
  /** Absolute path of the zip. */
  zip: string;
  /**
   * The model's version when its folder says it: Azure ML mounts version N at `.../<model>/<N>`,
   * so a whole-number name of the folder given (or of the zip's folder, when given a zip) is taken
   * as the version. Undefined otherwise.
   */
  version: number | undefined;
}

export async function locateModelZip(path: string): Promise<LocatedModel> {
  if (path.trim() === '') {
    throw new UserError('--model is empty: give the path of a model_def.zip or of a folder holding one (in a container, is AZUREML_MODEL_DIR set?)');
  }
  const target = resolve(path);
  let isFolder: boolean;
  try {
    isFolder = (await stat(target)).isDirectory();
  } catch (error) {
    throw new UserError(`cannot read the model ${target}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or folder' : messageOf(error)}`);
  }
  if (!isFolder) return { zip: target, version: versionOf(dirname(target)) };

  const { zips, others } = await listFiles(target);
  if (zips.length === 1) return { zip: zips[0] as string, version: versionOf(target) };
  if (zips.length === 0) {
    const found = others.length === 0 ? 'it is empty' : `it holds ${namesOf(target, others)}`;
    throw new UserError(`no model zip in ${target}: ${found}; package the pipeline (fpga package) and put its model_def.zip there, or pass --model <file>`);
  }
  throw new UserError(`${zips.length} zips in ${target}: ${namesOf(target, zips)}; this mode serves one model: pass the one to serve with --model <file>`);
}

/** Every file beneath `folder`, zips apart, sorted; links to folders are not followed (no loops). */
async function listFiles(folder: string): Promise<{ zips: string[]; others: string[] }> {
  const zips: string[] = [];
  const others: string[] = [];
  const walk = async (dir: string, depth: number): Promise<void> => {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      throw new UserError(`cannot list the model folder ${dir}: ${messageOf(error)}`);
    }
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (depth < MAX_DEPTH) await walk(path, depth + 1);
      } else if (entry.isFile() || entry.isSymbolicLink()) {
        (entry.name.toLowerCase().endsWith('.zip') ? zips : others).push(path);
      }
    }
  };
  await walk(folder, 0);
  return { zips: zips.sort(), others: others.sort() };
}

function namesOf(folder: string, paths: readonly string[]): string {
  const shown = paths.slice(0, NAMES_SHOWN).map((path) => relative(folder, path));
  return shown.join(', ') + (paths.length > NAMES_SHOWN ? ` and ${paths.length - NAMES_SHOWN} more` : '');
}

function versionOf(folder: string): number | undefined {
  const name = basename(folder);
  return /^[1-9]\d{0,8}$/.test(name) ? Number(name) : undefined;
}
