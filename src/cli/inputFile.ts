/** Reading the files a user names on the command line, with errors that name the file and say what to give instead. */
import { readFile } from 'node:fs/promises';
import { UserError } from '../common/errors';

/**
 * The bytes of `path`; `what` names the kind of file expected ("an image file", "a
 * model_def.zip"), so that a folder or a missing file is answered with what to give instead,
 * and `folderHint` how to give what a folder holds, where that makes sense.
 */
export async function readInputFile(path: string, what: string, folderHint?: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new UserError(`${path}: no such file; give ${what}`);
    if (code === 'EISDIR') throw new UserError(`${path} is a folder; give ${what}${folderHint ? ` (${folderHint})` : ''}`);
    if (code === 'EACCES') throw new UserError(`${path}: permission denied; give ${what} you can read`);
    throw new UserError(`cannot read ${path}: ${code ?? String(error)}`);
  }
}
