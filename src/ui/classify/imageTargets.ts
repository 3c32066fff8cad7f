import * as path from 'node:path';
import * as vscode from 'vscode';
import { UserError } from '../../common/errors';

/** What the service host decodes (the manifest's `when` clauses list the same). */
const IMAGE_EXTENSIONS = ['png', 'jpg', 'jpeg', 'bmp', 'gif', 'webp'];
const IMAGE_PATTERN = new RegExp(`\\.(${IMAGE_EXTENSIONS.join('|')})$`, 'i');
/** One panel holds this many images at most: each is a card with its thumbnail in the page. */
export const MAX_BATCH = 100;

export function isImageUri(uri: vscode.Uri): boolean {
  return IMAGE_PATTERN.test(uri.path);
}

/** The image shown in the active editor group (VS Code's image preview, or an image opened as a file). */
export function activeImage(): vscode.Uri | undefined {
  const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
  const uri = input instanceof vscode.TabInputCustom || input instanceof vscode.TabInputText ? input.uri : undefined;
  return uri && isImageUri(uri) ? uri : undefined;
}

async function askForImages(canSelectMany: boolean): Promise<vscode.Uri[]> {
  const picked = await vscode.window.showOpenDialog({
    title: vscode.l10n.t('Classify Image'),
    openLabel: vscode.l10n.t('Classify'),
    canSelectMany,
    defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri,
    filters: { [vscode.l10n.t('Images')]: IMAGE_EXTENSIONS },
  });
  if (!picked || picked.length === 0) throw new vscode.CancellationError();
  return picked;
}

async function isFolder(uri: vscode.Uri): Promise<boolean> {
  try {
    return ((await vscode.workspace.fs.stat(uri)).type & vscode.FileType.Directory) !== 0;
  } catch {
    return false;
  }
}

async function imagesIn(folder: vscode.Uri): Promise<vscode.Uri[]> {
  const found = await vscode.workspace.findFiles(new vscode.RelativePattern(folder, `**/*.{${IMAGE_EXTENSIONS.join(',')}}`), '**/node_modules/**', MAX_BATCH + 1);
  return found.sort((a, b) => a.path.localeCompare(b.path));
}

/**
 * The images a command acts on: the Explorer's selection (the right-clicked item and the others
 * selected with it, folders standing for the images inside them), else the image open in the
 * active editor, else a file dialog. Throws a UserError naming what holds no image.
 */
export async function imagesToClassify(target: unknown, selected: unknown, canSelectMany = true): Promise<vscode.Uri[]> {
  if (!(target instanceof vscode.Uri)) {
    const open = activeImage();
    return open ? [open] : askForImages(canSelectMany);
  }
  const all = Array.isArray(selected) ? selected.filter((u): u is vscode.Uri => u instanceof vscode.Uri) : [];
  const chosen = all.some((u) => u.toString() === target.toString()) ? all : [target];
  const images: vscode.Uri[] = [];
  for (const uri of chosen) {
    if (isImageUri(uri)) images.push(uri);
    else if (await isFolder(uri)) images.push(...(await imagesIn(uri)));
  }
  // By path, as the Explorer lists them, whatever order they were selected in.
  const unique = [...new Map(images.map((uri) => [uri.toString(), uri])).values()].sort((a, b) => a.path.localeCompare(b.path));
  if (unique.length === 0) {
    const names = chosen.map((uri) => path.posix.basename(uri.path)).join(', ');
    throw new UserError(vscode.l10n.t('{0} holds no image the service decodes (PNG, JPEG, BMP, GIF or WebP): choose image files or a folder of them.', names));
  }
  if (unique.length > MAX_BATCH) {
    void vscode.window.showWarningMessage(vscode.l10n.t('Classifying the first {0} of {1} images: one panel shows at most {0}.', MAX_BATCH, unique.length));
    return unique.slice(0, MAX_BATCH);
  }
  return unique;
}
