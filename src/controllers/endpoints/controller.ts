/**
 * The legacy Endpoints controller shell (kubernetes
 * pkg/controller/endpoint/endpoints_controller.go): handlers enqueue Service
 * keys; `reconcile(key)` plans with planEndpoints from the caches and writes
 * the one object.
 *
 * Deletion follows Kubernetes: Endpoints carry no ownerReferences; when the
 * Service is gone this controller deletes its Endpoints (and, once at start,
 * every Endpoints object without a Service, except old leader-election
 * records). A managed Endpoints object deleted or edited by someone else is
 * rewritten on the next sync, which that event triggers.
 */
import type { Endpoints, Service } from '../../api/types.ts';
import { isConflict, isNotFound } from '../../api/status.ts';
import { Resources } from '../../client/index.ts';
import { podsForService, type ControllerCaches } from '../caches.ts';
import { isNamespaceTerminating, type ObjectWriter, type WriteStats } from '../endpointslice/controller.ts';
import { NO_EVENTS, type EventRecorder } from '../shared/events.ts';
import { ReconcileLoop, type LoopOptions } from '../shared/loop.ts';
import { ServicePodController } from '../shared/service-pod-controller.ts';
import { ANNOTATION_LEADER } from '../shared/names.ts';
import { hasSelector, keyOf, splitKey } from '../shared/service.ts';
import { StaleCacheError } from '../shared/slice-tracker.ts';
import { TriggerTimeTracker } from '../shared/trigger-time.ts';
import { planEndpoints } from './plan.ts';

export interface EndpointsControllerOptions extends LoopOptions {
  events?: EventRecorder;
}

/**
 * Which Endpoints versions this controller wrote, so that (a) its own writes
 * coming back as events are ignored and (b) a cache still showing the version
 * it replaced (or lacking one it created) is known to be stale.
 */
class EndpointsTracker {
  private readonly own = new Map<string, Set<string>>();
  private readonly replaced = new Map<string, string>();
  private readonly created = new Set<string>();

  written(key: string, obj: Endpoints, replacedRv?: string): void {
    const rv = obj.metadata.resourceVersion ?? '';
    let s = this.own.get(key);
    if (!s) this.own.set(key, (s = new Set()));
    s.add(rv);
    if (s.size > 8) s.delete(s.values().next().value!);
    if (replacedRv && replacedRv !== rv) this.replaced.set(key, replacedRv);
    else if (!replacedRv) this.created.add(key);
  }

  isOwnWrite(key: string, obj: Endpoints): boolean {
    const s = this.own.get(key);
    const rv = obj.metadata.resourceVersion ?? '';
    this.created.delete(key);
    if (this.replaced.get(key) !== rv) this.replaced.delete(key);
    if (!s || !s.has(rv)) return false;
    s.delete(rv);
    if (s.size === 0) this.own.delete(key);
    return true;
  }

  stale(key: string, cached: Endpoints | undefined): boolean {
    if (!cached) return this.created.has(key);
    return this.replaced.get(key) === cached.metadata.resourceVersion;
  }

  deleted(key: string): void {
    this.own.delete(key);
    this.replaced.delete(key);
    this.created.delete(key);
  }
}

export class EndpointsController extends ServicePodController {
  readonly loop: ReconcileLoop;
  readonly stats: WriteStats = { syncs: 0, creates: 0, updates: 0, deletes: 0 };
  private readonly tracker = new EndpointsTracker();
  private readonly triggerTimes = new TriggerTimeTracker();
  private readonly events: EventRecorder;

  constructor(
    protected readonly caches: ControllerCaches,
    private readonly writer: ObjectWriter,
    opts: EndpointsControllerOptions = {},
  ) {
    super();
    this.events = opts.events ?? NO_EVENTS;
    this.loop = new ReconcileLoop('endpoint-controller', (k) => this.reconcile(k), opts);
  }

  /** Call once the caches have synced. Also checks every Endpoints object for a missing Service (checkLeftoverEndpoints). */
  start(): void {
    for (const ep of this.caches.endpoints.list()) {
      if (ep.metadata.annotations && ANNOTATION_LEADER in ep.metadata.annotations) continue;
      this.loop.enqueue(keyOf(ep));
    }
    this.loop.start();
  }

  // ------------------------------------------------------------ handlers
  // Service and pod handlers, stop() and idle(): ServicePodController.

  /** Endpoints of a Service this controller manages (has a selector). */
  private managedKey(ep: Endpoints): string | undefined {
    const key = keyOf(ep);
    const svc = this.caches.services.get(key);
    return svc && svc.spec.type !== 'ExternalName' && hasSelector(svc) ? key : undefined;
  }

  onEndpointsAdd(ep: Endpoints): void {
    const key = keyOf(ep);
    const own = this.tracker.isOwnWrite(key, ep);
    // Someone else's write to a managed object: repair it. Our own write whose
    // Service went away meanwhile: delete it now that the cache shows it.
    if (own ? !this.caches.services.get(key) : this.managedKey(ep)) this.loop.enqueue(key);
  }

  onEndpointsUpdate(_old: Endpoints, ep: Endpoints): void {
    this.onEndpointsAdd(ep);
  }

  onEndpointsDelete(ep: Endpoints): void {
    const key = keyOf(ep);
    this.tracker.deleted(key);
    if (this.managedKey(ep)) this.loop.enqueue(key);
  }

  // ------------------------------------------------------------ reconcile

  async reconcile(key: string): Promise<void> {
    this.stats.syncs++;
    const { namespace, name } = splitKey(key);
    const svc = this.caches.services.get(key);
    const cur = this.caches.endpoints.get(key);
    if (!svc) {
      // The Service is gone: so are its Endpoints (they have no owner references to collect them by).
      this.triggerTimes.forget(key);
      if (cur && !(cur.metadata.annotations && ANNOTATION_LEADER in cur.metadata.annotations)) {
        try {
          await this.writer.delete(Resources.endpoints, namespace, name, { preconditions: { uid: cur.metadata.uid } });
          this.stats.deletes++;
        } catch (e) {
          // NotFound: already gone. Conflict: a new object of that name appeared; its own sync decides.
          if (!isNotFound(e) && !isConflict(e)) throw e;
        }
      }
      this.tracker.deleted(key);
      return;
    }
    if (svc.spec.type === 'ExternalName' || !hasSelector(svc)) return;
    if (this.tracker.stale(key, cur)) throw new StaleCacheError('Endpoints');
    const pods = podsForService(this.caches.pods, svc);
    const triggerTime = this.triggerTimes.compute(key, svc, pods);
    const plan = planEndpoints({ service: svc, pods, current: cur, triggerTime });
    if (plan.action === 'none') return;
    try {
      if (plan.action === 'create') {
        const created = await this.writer.create<Endpoints>(Resources.endpoints, namespace, plan.endpoints);
        this.tracker.written(key, created);
        this.stats.creates++;
      } else {
        const updated = await this.writer.update<Endpoints>(Resources.endpoints, namespace, plan.endpoints);
        this.tracker.written(key, updated, cur?.metadata.resourceVersion);
        this.stats.updates++;
      }
    } catch (e) {
      if (plan.action === 'create' && isNamespaceTerminating(e)) return;
      const what = plan.action === 'create' ? 'FailedToCreateEndpoint' : 'FailedToUpdateEndpoint';
      this.events.event(plan.endpoints, 'Warning', what, `Failed to ${plan.action} endpoint for service ${key}: ${e instanceof Error ? e.message : String(e)}`);
      throw e;
    }
  }
}
