/**
 * The EndpointSlice controller shell (kubernetes
 * pkg/controller/endpointslice/endpointslice_controller.go): event handlers
 * that only enqueue Service keys, and `reconcile(key)` that reads the
 * informer caches, plans with planEndpointSlices, and writes the difference.
 *
 * Level-triggered and restart-safe: the desired state is recomputed from the
 * caches on every sync, so a slice deleted or edited by hand is recreated or
 * repaired on the next sync of its Service, which the slice event triggers
 * (writes of our own are recognised and ignored). Slices go with their
 * Service through ownerReferences (the API server's garbage collector); this
 * controller deletes only slices that are stale (emptied, other address
 * type, other Service UID, port group gone).
 *
 * A reconcile that throws is retried with back-off; a cache that has not yet
 * seen this controller's last write (EndpointSliceTracker) is such a case.
 */
import type { EndpointSlice, Node, Service } from '../../api/types.ts';
import { ApiError, isNotFound } from '../../api/status.ts';
import { Resources, type RestClient } from '../../client/index.ts';
import { podsForService, podsOnNode, slicesForService, type ControllerCaches } from '../caches.ts';
import { NO_EVENTS, type EventRecorder } from '../shared/events.ts';
import { ReconcileLoop, type LoopOptions } from '../shared/loop.ts';
import { ServicePodController } from '../shared/service-pod-controller.ts';
import { DEFAULT_MAX_ENDPOINTS_PER_SLICE, ENDPOINTSLICE_CONTROLLER_NAME, LABEL_MANAGED_BY, LABEL_SERVICE_NAME, LABEL_TOPOLOGY_ZONE, MAX_ENDPOINTS_PER_SLICE_LIMIT } from '../shared/names.ts';
import { hasSelector, hintsEnabled, keyOf, splitKey } from '../shared/service.ts';
import { EndpointSliceTracker, StaleCacheError } from '../shared/slice-tracker.ts';
import { TriggerTimeTracker } from '../shared/trigger-time.ts';
import { planEndpointSlices, type SlicePlan } from './plan.ts';
import { HINT_MESSAGES, sameTopology, zoneTopology, type ZoneTopology } from './topology.ts';

/** The writes the controller makes (RestClient, or a recording fake in tests). */
export type ObjectWriter = Pick<RestClient, 'create' | 'update' | 'delete'>;

export interface EndpointSliceControllerOptions extends LoopOptions {
  /** --max-endpoints-per-slice: 1..1000, default 100. */
  maxEndpointsPerSlice?: number;
  /** Accept trafficDistribution PreferSameZone/PreferSameNode (1.33 alpha gate; default off). */
  preferSameTrafficDistribution?: boolean;
  events?: EventRecorder;
}

export interface WriteStats {
  syncs: number;
  creates: number;
  updates: number;
  deletes: number;
}

/** A Forbidden create because the namespace is terminating: dropped, as Kubernetes does. */
export function isNamespaceTerminating(e: unknown): boolean {
  if (!(e instanceof ApiError) || e.status.reason !== 'Forbidden') return false;
  return (e.status.details?.causes ?? []).some((c) => c.reason === 'NamespaceTerminating');
}

export class EndpointSliceController extends ServicePodController {
  readonly loop: ReconcileLoop;
  readonly tracker = new EndpointSliceTracker();
  readonly stats: WriteStats = { syncs: 0, creates: 0, updates: 0, deletes: 0 };
  private readonly triggerTimes = new TriggerTimeTracker();
  private readonly hintsPopulated = new Set<string>();
  private readonly maxEndpointsPerSlice: number;
  private readonly events: EventRecorder;
  private topology: ZoneTopology = { sufficient: false, reason: HINT_MESSAGES.InsufficientNodeInfo };
  private started = false;

  constructor(
    protected readonly caches: ControllerCaches,
    private readonly writer: ObjectWriter,
    private readonly opts: EndpointSliceControllerOptions = {},
  ) {
    super();
    const max = opts.maxEndpointsPerSlice ?? DEFAULT_MAX_ENDPOINTS_PER_SLICE;
    if (!Number.isInteger(max) || max < 1 || max > MAX_ENDPOINTS_PER_SLICE_LIMIT) {
      throw new Error(`max endpoints per slice must be an integer between 1 and ${MAX_ENDPOINTS_PER_SLICE_LIMIT}, not ${max}`);
    }
    this.maxEndpointsPerSlice = max;
    this.events = opts.events ?? NO_EVENTS;
    this.loop = new ReconcileLoop('endpointslice-controller', (k) => this.reconcile(k), opts);
  }

  /** Call once the caches have synced: computes node topology and releases queued keys. */
  start(): void {
    this.started = true;
    this.topology = zoneTopology(this.caches.nodes.list());
    this.loop.start();
  }

  // ------------------------------------------------------------ handlers
  // Service and pod handlers, stop() and idle(): ServicePodController.

  private managed(s: EndpointSlice): boolean {
    return s.metadata.labels?.[LABEL_MANAGED_BY] === ENDPOINTSLICE_CONTROLLER_NAME;
  }

  private enqueueForSlice(s: EndpointSlice): void {
    const svc = s.metadata.labels?.[LABEL_SERVICE_NAME];
    if (svc) this.loop.enqueue(`${s.metadata.namespace}/${svc}`);
  }

  onSliceAdd(s: EndpointSlice): void {
    if (this.managed(s) && !this.tracker.isOwnWrite(s)) this.enqueueForSlice(s);
  }

  onSliceUpdate(old: EndpointSlice, s: EndpointSlice): void {
    if (old.metadata.labels?.[LABEL_SERVICE_NAME] !== s.metadata.labels?.[LABEL_SERVICE_NAME]) {
      // The service-name label was edited: both Services need a look.
      this.tracker.isOwnWrite(s);
      this.enqueueForSlice(old);
      this.enqueueForSlice(s);
      return;
    }
    const own = this.tracker.isOwnWrite(s);
    if (this.managed(old) !== this.managed(s) || (this.managed(s) && !own)) this.enqueueForSlice(s);
  }

  onSliceDelete(s: EndpointSlice): void {
    if (!this.managed(s)) return;
    const svc = s.metadata.labels?.[LABEL_SERVICE_NAME];
    if (!svc) return;
    const owner = `${s.metadata.namespace}/${svc}`;
    if (!this.tracker.handleDeletion(owner, s)) this.loop.enqueue(owner);
  }

  /** Node changes: re-evaluate topology, and the Services of pods on that node (zone, or node now known). */
  onNodeAdd(node: Node): void {
    this.nodeChanged(node, true);
  }

  onNodeUpdate(old: Node, node: Node): void {
    const zoneChanged = old.metadata.labels?.[LABEL_TOPOLOGY_ZONE] !== node.metadata.labels?.[LABEL_TOPOLOGY_ZONE];
    this.nodeChanged(node, zoneChanged);
  }

  onNodeDelete(node: Node): void {
    this.nodeChanged(node, true);
  }

  private nodeChanged(node: Node, podsAffected: boolean): void {
    if (!this.started) return; // start() computes the topology and every Service is synced anyway
    const next = zoneTopology(this.caches.nodes.list());
    if (!sameTopology(this.topology, next)) {
      this.topology = next;
      for (const svc of this.caches.services.list()) if (hintsEnabled(svc.metadata.annotations)) this.loop.enqueue(keyOf(svc));
    }
    if (podsAffected) {
      for (const pod of podsOnNode(this.caches.pods, node.metadata.name!)) this.onPodAdd(pod);
    }
  }

  // ------------------------------------------------------------ reconcile

  /** Syncs one Service's slices (`namespace/name`). Throws to be retried. */
  async reconcile(key: string): Promise<void> {
    this.stats.syncs++;
    const { namespace, name } = splitKey(key);
    const svc = this.caches.services.get(key);
    if (!svc) {
      // Deleted: the garbage collector removes the slices it owned.
      this.triggerTimes.forget(key);
      this.tracker.forget(key);
      this.hintsPopulated.delete(key);
      return;
    }
    // ExternalName Services get no endpoints; selectorless ones are managed out of band (or mirrored).
    if (svc.spec.type === 'ExternalName' || !hasSelector(svc)) return;
    const pods = podsForService(this.caches.pods, svc);
    const slices = slicesForService(this.caches.endpointSlices, namespace, name, ENDPOINTSLICE_CONTROLLER_NAME).filter((s) => !s.metadata.deletionTimestamp);
    if (this.tracker.stale(key, slices)) throw new StaleCacheError('EndpointSlice');
    const triggerTime = this.triggerTimes.compute(key, svc, pods);
    const plan = planEndpointSlices({
      service: svc,
      pods,
      node: (n) => this.caches.nodes.get(n),
      existing: slices,
      maxEndpointsPerSlice: this.maxEndpointsPerSlice,
      triggerTime,
      topology: this.topology,
      preferSameTrafficDistribution: this.opts.preferSameTrafficDistribution,
    });
    try {
      await this.apply(key, svc, plan);
    } catch (e) {
      this.events.event(svc, 'Warning', 'FailedToUpdateEndpointSlices', `Error updating Endpoint Slices for Service ${key}: ${e instanceof Error ? e.message : String(e)}`);
      throw e;
    }
    this.recordHints(key, svc, plan);
    // Pods on unknown nodes were left out; the node's arrival re-syncs this Service (onNodeAdd).
    for (const e of plan.errors) this.opts.log?.(`endpointslice-controller: ${e}`);
  }

  private async apply(key: string, svc: Service, plan: SlicePlan): Promise<void> {
    const ns = svc.metadata.namespace!;
    for (const s of plan.create) {
      try {
        const created = await this.writer.create<EndpointSlice>(Resources.endpointSlices, ns, s);
        this.tracker.written(key, created);
        this.stats.creates++;
      } catch (e) {
        if (isNamespaceTerminating(e)) return;
        throw new Error(`failed to create EndpointSlice for Service ${key}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
      }
    }
    for (const s of plan.update) {
      try {
        const updated = await this.writer.update<EndpointSlice>(Resources.endpointSlices, ns, s);
        this.tracker.written(key, updated);
        this.stats.updates++;
      } catch (e) {
        throw new Error(`failed to update ${s.metadata.name} EndpointSlice for Service ${key}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
      }
    }
    for (const s of plan.delete) {
      try {
        await this.writer.delete(Resources.endpointSlices, ns, s.metadata.name!, { preconditions: { uid: s.metadata.uid } });
        this.tracker.expectDeletion(key, s);
        this.stats.deletes++;
      } catch (e) {
        if (isNotFound(e)) continue;
        throw new Error(`failed to delete ${s.metadata.name} EndpointSlice for Service ${key}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
      }
    }
  }

  /** TopologyAwareHints events: Enabled once on transition, Disabled when hints go away, warnings as detected. */
  private recordHints(key: string, svc: Service, plan: SlicePlan): void {
    if (plan.hints.length === 0) {
      if (this.hintsPopulated.delete(key)) this.events.event(svc, 'Warning', 'TopologyAwareHintsDisabled', HINT_MESSAGES.TopologyAwareHintsDisabled);
      return;
    }
    for (const h of plan.hints) {
      if (h.enabled) {
        if (!this.hintsPopulated.has(key)) this.events.event(svc, h.eventType, h.reason, h.message);
      } else this.events.event(svc, h.eventType, h.reason, h.message);
    }
    if (plan.hints.some((h) => h.enabled)) this.hintsPopulated.add(key);
    else this.hintsPopulated.delete(key);
  }
}
