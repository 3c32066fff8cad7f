/**
 * How the Local workspace finds its host: the `host.json` contract, defined once beside the
 * host that writes it (service/hostFile.ts) and read here by the CLI and the extension alike.
 */
export { HOST_FILE, HOST_LOG, defaultStateDir, readHostFile } from '../../service/hostFile';
export type { HostFile } from '../../service/hostFile';
