/**
 * What a stopped local host's state folder holds, read without starting the host: the
 * Workspaces view shows its welcome (template, example, walkthrough) only when nothing was
 * ever left registered or deployed there.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
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
