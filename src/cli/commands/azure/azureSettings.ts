/**
 * `fpga azure use` remembers the default workspace, and the cloud it lives in, in a small
 * JSON file: `$FPGA_AZURE_CONFIG`, else `~/.fpga/azure.json`. Only ids and URLs go there,
 * never a credential.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { UserError } from '../../../common/errors';

export interface AzureSettings {
  workspace?: string;
  armEndpoint?: string;
  authorityHost?: string;
}

export function azureSettingsPath(): string {
  return process.env.FPGA_AZURE_CONFIG || join(homedir(), '.fpga', 'azure.json');
}

export async function readAzureSettings(): Promise<AzureSettings> {
  const path = azureSettingsPath();
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new UserError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  try {
    const value = JSON.parse(text) as unknown;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('not an object');
    const { workspace, armEndpoint, authorityHost } = value as Record<string, unknown>;
    return {
      ...(typeof workspace === 'string' ? { workspace } : {}),
      ...(typeof armEndpoint === 'string' ? { armEndpoint } : {}),
      ...(typeof authorityHost === 'string' ? { authorityHost } : {}),
    };
  } catch {
    throw new UserError(`${path} is not the JSON "fpga azure use" writes: run "fpga azure use <workspace resource id>" again`);
  }
}

export async function writeAzureSettings(settings: AzureSettings): Promise<string> {
  const path = azureSettingsPath();
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  await writeFile(path, JSON.stringify(settings, null, 2) + '\n', { mode: 0o600 });
  return path;
}
