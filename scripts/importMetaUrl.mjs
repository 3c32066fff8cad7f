// Injected into the Node bundles (scripts/build.mjs): ES module builds of dependencies that find
// files beside themselves through import.meta.url (@azure/storage-common's CRC64 module) get the
// bundle's own URL, which a CommonJS bundle otherwise leaves undefined.
import { pathToFileURL } from 'node:url';

// eslint-disable-next-line no-undef -- the bundle is CommonJS: __filename is the bundle's path.
export const importMetaUrl = pathToFileURL(__filename).href;
