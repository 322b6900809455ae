/**
 * The endpoint controllers (EndpointSlice, legacy Endpoints, EndpointSlice
 * mirroring) over one set of shared informers. They see the cluster only
 * through src/client; see README.md for the design.
 */
import type { EndpointSlice, Endpoints, Node, Pod, Service } from '../api/types.ts';
import type { InformerHandlers, RestClient } from '../client/index.ts';
import { cachesOf, newSharedInformers, type SharedInformers } from './caches.ts';
import { EndpointSliceController, type WriteStats } from './endpointslice/controller.ts';
import { EndpointsController } from './endpoints/controller.ts';
import { MirroringController } from './mirroring/controller.ts';
import { apiEventRecorder, NO_EVENTS } from './shared/events.ts';

export { planEndpointSlices, type SlicePlan, type SlicePlanInput } from './endpointslice/plan.ts';
export { zoneTopology, type ZoneTopology } from './endpointslice/topology.ts';
export { planEndpoints, type EndpointsPlan, type EndpointsPlanInput } from './endpoints/plan.ts';
export { planMirroredSlices, shouldMirror, type MirrorPlan, type MirrorPlanInput } from './mirroring/plan.ts';
export { EndpointSliceController, type ObjectWriter, type WriteStats } from './endpointslice/controller.ts';
export { EndpointsController } from './endpoints/controller.ts';
export { MirroringController } from './mirroring/controller.ts';
export { newControllerCaches, newSharedInformers, type ControllerCaches, type SharedInformers } from './caches.ts';
export * from './shared/names.ts';

/** Default concurrent syncs per controller (see ControllerOptions.workers). */
export const DEFAULT_WORKERS = 16;

export type ControllerName = 'endpointslice' | 'endpoints' | 'endpointslicemirroring';
export const ALL_CONTROLLERS: readonly ControllerName[] = ['endpointslice', 'endpoints', 'endpointslicemirroring'];

export interface ControllerOptions {
  /** --max-endpoints-per-slice: 1..1000 (default 100). */
  maxEndpointsPerSlice?: number;
  /** --mirroring-max-endpoints-per-subset (default 1000). */
  mirroringMaxEndpointsPerSubset?: number;
  /**
   * Concurrent Service syncs per controller (--concurrent-service-endpoint-syncs).
   * Default 16, not Kubernetes' 5: a worker here is an in-flight request, not a
   * thread, and 5 caps a controller at 5 ÷ (slice write round trip) syncs/s.
   */
  workers?: number;
  /** Which controllers to run (default all three). */
  controllers?: readonly ControllerName[];
  /** Record core/v1 Events (default true). */
  events?: boolean;
  /** trafficDistribution PreferSameZone/PreferSameNode (alpha in 1.33, default off). */
  preferSameTrafficDistribution?: boolean;
  log?: (line: string) => void;
}

export interface RunningControllers {
  /** Stops informers and queues. */
  stop(): void;
  /** Resolves once every informer has synced and every queue is empty (events still in flight on the network are not counted). */
  idle(): Promise<void>;
  /** Resolves once every informer has listed and the controllers run. */
  synced: Promise<void>;
  informers: SharedInformers;
  /** The controller instances (for probes and tests). */
  controllers: { endpointslice?: EndpointSliceController; endpoints?: EndpointsController; endpointslicemirroring?: MirroringController };
  /** Writes per controller (for metrics and benchmarks). */
  stats(): Record<ControllerName, WriteStats>;
}

/** Anything handlers can be added to (an Informer, or a test's fake). */
export interface HandlerSource<T> {
  addHandler(h: InformerHandlers<T>): void;
}

export interface HandlerSources {
  pods: HandlerSource<Pod>;
  services: HandlerSource<Service>;
  nodes: HandlerSource<Node>;
  endpointSlices: HandlerSource<EndpointSlice>;
  endpoints: HandlerSource<Endpoints>;
}

/** Routes every informer event to the controllers that care (handlers only enqueue keys). */
export function connectControllers(
  src: HandlerSources,
  c: { slices?: EndpointSliceController; endpoints?: EndpointsController; mirroring?: MirroringController },
): void {
  const { slices, endpoints, mirroring } = c;
  src.services.addHandler({
    onAdd: (s) => (slices?.onServiceAdd(s), endpoints?.onServiceAdd(s), mirroring?.onServiceAdd(s)),
    onUpdate: (o, s) => (slices?.onServiceUpdate(o, s), endpoints?.onServiceUpdate(o, s), mirroring?.onServiceUpdate(o, s)),
    onDelete: (s) => (slices?.onServiceDelete(s), endpoints?.onServiceDelete(s), mirroring?.onServiceDelete(s)),
  });
  if (slices || endpoints) {
    src.pods.addHandler({
      onAdd: (p) => (slices?.onPodAdd(p), endpoints?.onPodAdd(p)),
      onUpdate: (o, p) => (slices?.onPodUpdate(o, p), endpoints?.onPodUpdate(o, p)),
      onDelete: (p) => (slices?.onPodDelete(p), endpoints?.onPodDelete(p)),
    });
  }
  if (slices) {
    src.nodes.addHandler({
      onAdd: (n) => slices.onNodeAdd(n),
      onUpdate: (o, n) => slices.onNodeUpdate(o, n),
      onDelete: (n) => slices.onNodeDelete(n),
    });
  }
  src.endpointSlices.addHandler({
    onAdd: (s) => (slices?.onSliceAdd(s), mirroring?.onSliceAdd(s)),
    onUpdate: (o, s) => (slices?.onSliceUpdate(o, s), mirroring?.onSliceUpdate(o, s)),
    onDelete: (s) => (slices?.onSliceDelete(s), mirroring?.onSliceDelete(s)),
  });
  src.endpoints.addHandler({
    onAdd: (e) => (endpoints?.onEndpointsAdd(e), mirroring?.onEndpointsAdd(e)),
    onUpdate: (o, e) => (endpoints?.onEndpointsUpdate(o, e), mirroring?.onEndpointsUpdate(o, e)),
    onDelete: (e) => (endpoints?.onEndpointsDelete(e), mirroring?.onEndpointsDelete(e)),
  });
}

/** Starts the selected controllers on shared informers (pods, services, nodes, endpointslices, endpoints). */
export function startControllers(client: RestClient, opts: ControllerOptions = {}): RunningControllers {
  const which = new Set(opts.controllers ?? ALL_CONTROLLERS);
  const log = opts.log;
  const informers = newSharedInformers(client, log);
  const caches = cachesOf(informers);
  const rec = (component: string) => (opts.events === false ? NO_EVENTS : apiEventRecorder(client, component, { log }));
  const loopOpts = { workers: opts.workers ?? DEFAULT_WORKERS, log };
  const slices = which.has('endpointslice')
    ? new EndpointSliceController(caches, client, {
        ...loopOpts,
        maxEndpointsPerSlice: opts.maxEndpointsPerSlice,
        preferSameTrafficDistribution: opts.preferSameTrafficDistribution,
        events: rec('endpointslice-controller'),
      })
    : undefined;
  const endpoints = which.has('endpoints') ? new EndpointsController(caches, client, { ...loopOpts, events: rec('endpoint-controller') }) : undefined;
  const mirroring = which.has('endpointslicemirroring')
    ? new MirroringController(caches, client, {
        ...loopOpts,
        maxEndpointsPerSubset: opts.mirroringMaxEndpointsPerSubset,
        events: rec('endpointslice-mirroring-controller'),
      })
    : undefined;

  connectControllers(informers, { slices, endpoints, mirroring });

  const all = [informers.pods, informers.services, informers.nodes, informers.endpointSlices, informers.endpoints];
  for (const i of all) i.start();
  let stopped = false;
  const synced = Promise.all(all.map((i) => i.waitForSync())).then(() => {
    if (stopped) return;
    slices?.start();
    endpoints?.start();
    mirroring?.start();
  });
  const running = [slices, endpoints, mirroring].filter((c) => c !== undefined);
  return {
    informers,
    controllers: { endpointslice: slices, endpoints, endpointslicemirroring: mirroring },
    synced,
    stop() {
      stopped = true;
      for (const i of all) i.stop();
      for (const c of running) c.stop();
    },
    async idle() {
      await synced;
      // One controller's writes are another's events: settle twice.
      for (let i = 0; i < 2; i++) {
        await Promise.all(running.map((c) => c.idle()));
        await new Promise((r) => setImmediate(r));
      }
      await Promise.all(running.map((c) => c.idle()));
    },
    stats() {
      const none: WriteStats = { syncs: 0, creates: 0, updates: 0, deletes: 0 };
      return {
        endpointslice: { ...(slices?.stats ?? none) },
        endpoints: { ...(endpoints?.stats ?? none) },
        endpointslicemirroring: { ...(mirroring?.stats ?? none) },
      };
    },
  };
}
