/**
 * A fake at the controllers' edge: plays both the API (create/update/delete
 * with resourceVersions, generations, preconditions and Status errors) and
 * the informers (caches holding deeply frozen objects, events delivered
 * asynchronously after the write returns, as a watch does). `hold()` stops
 * delivering events to simulate an informer that lags behind the writes.
 */
import type { EndpointSlice, Endpoints, KubeObject, Node, Pod, Service } from '../../src/api/types.ts';
import { alreadyExists, conflict, notFound, OBJECT_MODIFIED } from '../../src/api/status.ts';
import type { Cache, InformerHandlers, ResourceRef } from '../../src/client/index.ts';
import { newControllerCaches, type ControllerCaches } from '../../src/controllers/caches.ts';
import type { HandlerSource, HandlerSources } from '../../src/controllers/index.ts';
import { deepFreeze } from './fixtures.ts';

export interface Write {
  verb: 'create' | 'update' | 'delete';
  resource: string;
  name: string;
  obj?: KubeObject;
}

type Kind = keyof ControllerCaches;

const KIND_OF: Record<string, Kind> = { pods: 'pods', services: 'services', nodes: 'nodes', endpointslices: 'endpointSlices', endpoints: 'endpoints' };

class Source<T extends KubeObject> implements HandlerSource<T> {
  readonly handlers: InformerHandlers<T>[] = [];
  addHandler(h: InformerHandlers<T>): void {
    this.handlers.push(h);
  }
}

export class FakeCluster implements HandlerSources {
  readonly caches: ControllerCaches = newControllerCaches();
  readonly writes: Write[] = [];
  readonly pods = new Source<Pod>();
  readonly services = new Source<Service>();
  readonly nodes = new Source<Node>();
  readonly endpointSlices = new Source<EndpointSlice>();
  readonly endpoints = new Source<Endpoints>();
  private rv = 100;
  /** The API's view (ahead of the caches while events are held), by kind/namespace/name. */
  private readonly latest = new Map<string, KubeObject>();
  private id(kind: Kind, o: KubeObject): string {
    return o.metadata.namespace ? `${kind}/${o.metadata.namespace}/${o.metadata.name}` : `${kind}/${o.metadata.name}`;
  }
  private seq = 0;
  private held = false;
  private readonly pending: (() => void)[] = [];

  private source(kind: Kind): Source<KubeObject> {
    return this[kind] as unknown as Source<KubeObject>;
  }

  private cache(kind: Kind): Cache<KubeObject> {
    return this.caches[kind] as unknown as Cache<KubeObject>;
  }

  /** Stop delivering events (and cache changes) until release(). */
  hold(): void {
    this.held = true;
  }

  release(): void {
    this.held = false;
    for (const f of this.pending.splice(0)) f();
  }

  private emit(kind: Kind, type: 'add' | 'update' | 'delete', obj: KubeObject): void {
    const deliver = () => {
      const c = this.cache(kind);
      const key = obj.metadata.namespace ? `${obj.metadata.namespace}/${obj.metadata.name}` : obj.metadata.name!;
      const old = c.get(key);
      if (type === 'delete') c.delete(key);
      else c.set(obj);
      for (const h of this.source(kind).handlers) {
        if (type === 'delete') h.onDelete?.(obj);
        else if (old) h.onUpdate?.(old, obj);
        else h.onAdd?.(obj);
      }
    };
    setImmediate(() => (this.held ? this.pending.push(deliver) : deliver()));
  }

  /** Puts an object in the cluster as another client would (events follow). */
  put<T extends KubeObject>(kind: Kind, obj: T): T {
    const o = structuredClone(obj);
    o.metadata.resourceVersion = String(++this.rv);
    o.metadata.uid ??= `uid-${kind}-${o.metadata.name}`;
    o.metadata.generation ??= 1;
    deepFreeze(o);
    this.latest.set(this.id(kind, o), o);
    this.emit(kind, 'update', o);
    return o;
  }

  /** Seeds the caches directly, without events (state before a controller starts). */
  seed<T extends KubeObject>(kind: Kind, obj: T): T {
    const o = deepFreeze(structuredClone(obj));
    this.cache(kind).set(o);
    this.latest.set(this.id(kind, o), o);
    return o;
  }

  /** Deletes an object as another client would. */
  remove(kind: Kind, key: string): void {
    const cur = this.cache(kind).get(key);
    if (cur) {
      this.latest.delete(this.id(kind, cur));
      this.emit(kind, 'delete', cur);
    }
  }

  // ------------------------------------------------------- ObjectWriter

  async create<T extends KubeObject>(r: ResourceRef, ns: string | undefined, obj: T): Promise<T> {
    const kind = KIND_OF[r.resource]!;
    const o = structuredClone(obj) as T;
    o.metadata.namespace = ns;
    if (!o.metadata.name) o.metadata.name = `${o.metadata.generateName}${String(++this.seq).padStart(5, '0')}`;
    const key = `${ns}/${o.metadata.name}`;
    if (this.latest.get(`${kind}/${key}`)) throw alreadyExists({ group: r.group, resource: r.resource }, o.metadata.name);
    o.metadata.uid = `uid-${o.metadata.name}`;
    o.metadata.resourceVersion = String(++this.rv);
    o.metadata.generation = 1;
    deepFreeze(o);
    this.latest.set(this.id(kind, o), o);
    this.writes.push({ verb: 'create', resource: r.resource, name: o.metadata.name!, obj: o });
    this.emit(kind, 'add', o);
    return o;
  }

  async update<T extends KubeObject>(r: ResourceRef, ns: string | undefined, obj: T): Promise<T> {
    const kind = KIND_OF[r.resource]!;
    const cur = this.latest.get(`${kind}/${ns}/${obj.metadata.name}`);
    if (!cur) throw notFound({ group: r.group, resource: r.resource }, obj.metadata.name!);
    if (obj.metadata.resourceVersion && obj.metadata.resourceVersion !== cur.metadata.resourceVersion) {
      throw conflict({ group: r.group, resource: r.resource }, obj.metadata.name!, OBJECT_MODIFIED);
    }
    const o = structuredClone(obj) as T;
    o.metadata.uid = cur.metadata.uid;
    o.metadata.resourceVersion = String(++this.rv);
    const strip = (x: KubeObject) => JSON.stringify({ ...x, metadata: undefined });
    o.metadata.generation = (cur.metadata.generation ?? 1) + (strip(o) === strip(cur) ? 0 : 1);
    deepFreeze(o);
    this.latest.set(`${kind}/${ns}/${o.metadata.name}`, o);
    this.writes.push({ verb: 'update', resource: r.resource, name: o.metadata.name!, obj: o });
    this.emit(kind, 'update', o);
    return o;
  }


  async delete(r: ResourceRef, ns: string | undefined, name: string): Promise<unknown> {
    const kind = KIND_OF[r.resource]!;
    const cur = this.latest.get(`${kind}/${ns}/${name}`);
    if (!cur) throw notFound({ group: r.group, resource: r.resource }, name);
    this.writes.push({ verb: 'delete', resource: r.resource, name });
    this.latest.delete(`${kind}/${ns}/${name}`);
    this.emit(kind, 'delete', cur);
    return {};
  }

  /** Lets every queued event through and waits for the controllers to go idle, repeatedly. */
  async settle(idle: () => Promise<void>): Promise<void> {
    for (let i = 0; i < 20; i++) {
      await new Promise((r) => setImmediate(r));
      await idle();
      await new Promise((r) => setImmediate(r));
    }
  }

  writesFor(resource: string): Write[] {
    return this.writes.filter((w) => w.resource === resource);
  }
}
