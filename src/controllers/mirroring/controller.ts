/**
 * The EndpointSlice mirroring controller shell (kubernetes
 * pkg/controller/endpointslicemirroring/endpointslicemirroring_controller.go):
 * for a Service without a selector, the user's Endpoints object of the same
 * name is mirrored into slices managed by endpointslicemirroring-controller.k8s.io
 * and owned by the Endpoints object. When the Service gains a selector or
 * goes away, or the Endpoints object is gone or marked skip-mirror, the
 * mirrored slices are deleted.
 */
import type { EndpointSlice, Endpoints, Service } from '../../api/types.ts';
import { isNotFound } from '../../api/status.ts';
import { Resources } from '../../client/index.ts';
import { slicesForService, type ControllerCaches } from '../caches.ts';
import { isNamespaceTerminating, type ObjectWriter, type WriteStats } from '../endpointslice/controller.ts';
import { NO_EVENTS, type EventRecorder } from '../shared/events.ts';
import { ReconcileLoop, type LoopOptions } from '../shared/loop.ts';
import { DEFAULT_MAX_ENDPOINTS_PER_SUBSET, LABEL_MANAGED_BY, LABEL_SERVICE_NAME, MIRRORING_CONTROLLER_NAME } from '../shared/names.ts';
import { hasSelector, keyOf, splitKey } from '../shared/service.ts';
import { EndpointSliceTracker, StaleCacheError } from '../shared/slice-tracker.ts';
import { planMirroredSlices, shouldMirror, type MirrorPlan } from './plan.ts';

export interface MirroringControllerOptions extends LoopOptions {
  /** --mirroring-max-endpoints-per-subset (default 1000). */
  maxEndpointsPerSubset?: number;
  events?: EventRecorder;
}

export class MirroringController {
  readonly loop: ReconcileLoop;
  readonly tracker = new EndpointSliceTracker();
  readonly stats: WriteStats = { syncs: 0, creates: 0, updates: 0, deletes: 0 };
  private readonly events: EventRecorder;

  constructor(
    private readonly caches: ControllerCaches,
    private readonly writer: ObjectWriter,
    private readonly opts: MirroringControllerOptions = {},
  ) {
    this.events = opts.events ?? NO_EVENTS;
    this.loop = new ReconcileLoop('endpointslice-mirroring-controller', (k) => this.reconcile(k), opts);
  }

  start(): void {
    this.loop.start();
  }

  stop(): void {
    this.loop.stop();
  }

  idle(): Promise<void> {
    return this.loop.idle();
  }

  /** Worth a sync: a selectorless Service of that name exists, or mirrored slices do. */
  private relevant(key: string): boolean {
    const svc = this.caches.services.get(key);
    if (svc && !hasSelector(svc)) return true;
    const { namespace, name } = splitKey(key);
    return slicesForService(this.caches.endpointSlices, namespace, name, MIRRORING_CONTROLLER_NAME).length > 0;
  }

  // ------------------------------------------------------------ handlers

  onServiceAdd(svc: Service): void {
    if (this.relevant(keyOf(svc))) this.loop.enqueue(keyOf(svc));
  }

  onServiceUpdate(old: Service, svc: Service): void {
    if (hasSelector(old) !== hasSelector(svc) || this.relevant(keyOf(svc))) this.loop.enqueue(keyOf(svc));
  }

  onServiceDelete(svc: Service): void {
    if (this.relevant(keyOf(svc))) this.loop.enqueue(keyOf(svc));
  }

  onEndpointsAdd(ep: Endpoints): void {
    if (this.relevant(keyOf(ep))) this.loop.enqueue(keyOf(ep));
  }

  onEndpointsUpdate(_old: Endpoints, ep: Endpoints): void {
    this.onEndpointsAdd(ep);
  }

  onEndpointsDelete(ep: Endpoints): void {
    this.onEndpointsAdd(ep);
  }

  private managed(s: EndpointSlice): boolean {
    return s.metadata.labels?.[LABEL_MANAGED_BY] === MIRRORING_CONTROLLER_NAME;
  }

  private enqueueForSlice(s: EndpointSlice): void {
    const name = s.metadata.labels?.[LABEL_SERVICE_NAME];
    if (name) this.loop.enqueue(`${s.metadata.namespace}/${name}`);
  }

  onSliceAdd(s: EndpointSlice): void {
    if (this.managed(s) && !this.tracker.isOwnWrite(s)) this.enqueueForSlice(s);
  }

  onSliceUpdate(old: EndpointSlice, s: EndpointSlice): void {
    if (old.metadata.labels?.[LABEL_SERVICE_NAME] !== s.metadata.labels?.[LABEL_SERVICE_NAME]) {
      this.tracker.isOwnWrite(s);
      if (this.managed(old)) this.enqueueForSlice(old);
      if (this.managed(s)) this.enqueueForSlice(s);
      return;
    }
    const own = this.tracker.isOwnWrite(s);
    if (this.managed(old) !== this.managed(s) || (this.managed(s) && !own)) this.enqueueForSlice(s);
  }

  onSliceDelete(s: EndpointSlice): void {
    if (!this.managed(s)) return;
    const name = s.metadata.labels?.[LABEL_SERVICE_NAME];
    if (!name) return;
    const owner = `${s.metadata.namespace}/${name}`;
    if (!this.tracker.handleDeletion(owner, s)) this.loop.enqueue(owner);
  }

  // ------------------------------------------------------------ reconcile

  async reconcile(key: string): Promise<void> {
    this.stats.syncs++;
    const { namespace, name } = splitKey(key);
    const svc = this.caches.services.get(key);
    const ep = this.caches.endpoints.get(key);
    const slices = slicesForService(this.caches.endpointSlices, namespace, name, MIRRORING_CONTROLLER_NAME).filter((s) => !s.metadata.deletionTimestamp);
    if (!svc || hasSelector(svc) || !shouldMirror(ep)) {
      await this.apply(key, namespace, { create: [], update: [], delete: slices, invalidAddresses: 0, skippedAddresses: 0 });
      if (!svc) this.tracker.forget(key);
      return;
    }
    if (this.tracker.stale(key, slices)) throw new StaleCacheError('EndpointSlice');
    const max = this.opts.maxEndpointsPerSubset ?? DEFAULT_MAX_ENDPOINTS_PER_SUBSET;
    const plan = planMirroredSlices({ endpoints: ep!, existing: slices, maxEndpointsPerSubset: max });
    if (plan.invalidAddresses > 0) {
      this.events.event(ep!, 'Warning', 'InvalidIPAddress', `Skipped ${plan.invalidAddresses} invalid IP addresses when mirroring to EndpointSlices`);
    }
    if (plan.skippedAddresses > plan.invalidAddresses) {
      this.events.event(
        ep!,
        'Warning',
        'TooManyAddressesToMirror',
        `A max of ${max} addresses can be mirrored to EndpointSlices per Endpoints subset. ${plan.skippedAddresses} addresses were skipped`,
      );
    }
    await this.apply(key, namespace, plan);
  }

  private async apply(key: string, ns: string, plan: MirrorPlan): Promise<void> {
    for (const s of plan.create) {
      try {
        this.tracker.written(key, await this.writer.create<EndpointSlice>(Resources.endpointSlices, ns, s));
        this.stats.creates++;
      } catch (e) {
        if (isNamespaceTerminating(e)) return;
        throw e;
      }
    }
    for (const s of plan.update) {
      this.tracker.written(key, await this.writer.update<EndpointSlice>(Resources.endpointSlices, ns, s));
      this.stats.updates++;
    }
    for (const s of plan.delete) {
      try {
        await this.writer.delete(Resources.endpointSlices, ns, s.metadata.name!, { preconditions: { uid: s.metadata.uid } });
        this.tracker.expectDeletion(key, s);
        this.stats.deletes++;
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
    }
  }
}
