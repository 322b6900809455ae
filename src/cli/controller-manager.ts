/**
 * `switchboard controller-manager --kubeconfig …`: the endpoint controllers
 * (EndpointSlice, Endpoints, EndpointSlice mirroring) as a plain API client,
 * against this project's API server or any conformant one. Also used by
 * `switchboard up` to run them in-process against its own API server.
 */
import { RestClient, loadClientConfig } from '../client/index.ts';
import { startControllers, MAX_ENDPOINTS_PER_SLICE_LIMIT, type ControllerName, type RunningControllers } from '../controllers/index.ts';

export interface ControllerManagerOptions {
  /** Kubeconfig path (default: $KUBECONFIG, then ~/.kube/config). */
  kubeconfig?: string;
  /** Kubeconfig context (default: current-context). */
  context?: string;
  /** --max-endpoints-per-slice (1..1000, default 100). */
  maxEndpointsPerSlice?: number;
  /** --concurrent-service-endpoint-syncs (default 16). */
  workers?: number;
  /** Which controllers to run (default all). */
  controllers?: readonly ControllerName[];
  /** Print the "ready" line on stdout (default true). */
  banner?: boolean;
  /** Install SIGINT/SIGTERM handlers that stop and exit (default false). */
  handleSignals?: boolean;
  log?: (line: string) => void;
}

export interface ControllerManager {
  controllers: RunningControllers;
  stop(): Promise<void>;
}

/** Validates a --max-endpoints-per-slice value (for the command-line parser). */
export function parseMaxEndpointsPerSlice(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > MAX_ENDPOINTS_PER_SLICE_LIMIT) {
    throw new Error(`must be an integer between 1 and ${MAX_ENDPOINTS_PER_SLICE_LIMIT}`);
  }
  return n;
}

/** Starts the controllers; resolves once their caches have synced. */
export async function runControllerManager(opts: ControllerManagerOptions = {}): Promise<ControllerManager> {
  const cfg = loadClientConfig(opts.kubeconfig, opts.context);
  const client = new RestClient(cfg);
  client.userAgent = 'switchboard-controller-manager/0.1';
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const controllers = startControllers(client, {
    maxEndpointsPerSlice: opts.maxEndpointsPerSlice,
    workers: opts.workers,
    controllers: opts.controllers,
    log,
  });
  const stop = async () => {
    controllers.stop();
    client.close();
  };
  await controllers.synced;
  if (opts.banner !== false) {
    process.stdout.write(`switchboard controller-manager: ready — ${(opts.controllers ?? ['endpointslice', 'endpoints', 'endpointslicemirroring']).join(', ')} against ${cfg.server}\n`);
  }
  if (opts.handleSignals) {
    const shutdown = (sig: string) => {
      process.stderr.write(`switchboard controller-manager: ${sig}: shutting down\n`);
      void stop().then(() => process.exit(0));
    };
    process.once('SIGINT', () => shutdown('SIGINT'));
    process.once('SIGTERM', () => shutdown('SIGTERM'));
  }
  return { controllers, stop };
}
