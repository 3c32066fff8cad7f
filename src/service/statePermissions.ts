/**
 * The state folder holds service keys and the admin token: only its owner may read it,
 * however it was created (by `fpga serve`, or by a launcher with the user's umask, or by an
 * older version). At every start the folder and `models/` are set to 0700 and every file
 * in them to 0600.
 */
import { chmod, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError, messageOf } from '../common/errors';

export async function restrictStatePermissions(stateDir: string): Promise<void> {
  try {
    for (const dir of [stateDir, join(stateDir, 'models')]) {
      await chmod(dir, 0o700);
      for (const entry of await readdir(dir, { withFileTypes: true })) {
        if (entry.isFile()) await chmod(join(dir, entry.name), 0o600);
      }
    }
  } catch (error) {
    throw new UserError(`cannot make the state folder ${stateDir} private to its owner (${messageOf(error)}); run the host as the folder's owner or use another --state folder`);
  }
}
