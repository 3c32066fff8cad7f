/**
 * What a stopped local host's state folder holds, read without starting the host: the
 * Workspaces view shows its welcome (template, example, walkthrough) only when nothing was
 * ever left registered or deployed there.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { stateFolderHolder } from '../../service/stateLock';
import { parseState } from '../../service/stateStore';

/** True when `stateDir` holds models or services; a damaged state file counts as holding some (the host will say what is wrong). */
export async function hasSavedDeployments(stateDir: string): Promise<boolean> {
  let text: string;
  try {
    text = await readFile(join(stateDir, 'state.json'), 'utf8');
  } catch {
    return false;
  }
  try {
    const state = parseState(JSON.parse(text));
    return state.models.length > 0 || state.services.length > 0;
  } catch {
    return true;
  }
}

/**
 * Earlier versions of the extension kept the Local workspace in its own storage, apart from
 * the CLI's. Moves that folder to the shared one, once, when the shared one holds nothing yet
 * and no host runs on the old one; true when it moved. Anything else leaves both alone.
 */
export async function moveLegacyStateFolder(legacyDir: string, stateDir: string): Promise<boolean> {
  if (!existsSync(join(legacyDir, 'state.json')) || existsSync(stateDir)) return false;
  if (await stateFolderHolder(legacyDir)) return false;
  await mkdir(dirname(stateDir), { recursive: true, mode: 0o700 });
  try {
    await rename(legacyDir, stateDir);
    return true;
  } catch {
    return false; // another file system, or raced by another window: the old folder stays where it was
  }
}
