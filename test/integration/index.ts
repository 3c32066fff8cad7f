/**
 * Integration tests inside a real VS Code extension host: the module that
 * `extensionTestsPath` names (what @vscode/test-electron would load). VS Code calls `run()`
 * once the extension under development is loaded; a rejected promise is a failed run.
 * test/vscode/integration.mjs starts code-server with a workspace holding a copy of
 * examples/mobilenet.pipeline.json and of the shared cat.bmp.
 */
import { runTests } from './runner';
import { extensionTests } from './extension.test';

export async function run(): Promise<void> {
  const { failed } = await runTests(extensionTests);
  if (failed > 0) throw new Error(`${failed} integration test(s) failed`);
}
