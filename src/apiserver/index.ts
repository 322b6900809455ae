export { ApiServer, SYSTEM_NAMESPACES, type ApiServerOptions } from './server.ts';
export { ensurePki, writeKubeconfig, tokenMatches, type Pki } from './pki.ts';
export { Registry } from './registry.ts';
export type { AdmissionHooks, Strategy } from './strategy.ts';
