/**
 * The generic registry (Kubernetes' genericregistry.Store): create, get, list,
 * update, guaranteed update (patch), delete with grace and finalizers, over
 * the storage contract and the watch cache. Pure HTTP concerns live in
 * handlers; per-kind behaviour in strategy.ts.
 *
 * Contract: every write either commits completely (object + admission ops in
 * one storage txn) or changes nothing; a write resolves only after the cache
 * has applied it, so later reads see it.
 */
import { randomUUID } from 'node:crypto';
import type { Store, TxnOp } from '../storage/index.ts';
import { StorageError } from '../storage/index.ts';
import type { KubeObject, KubeList } from '../api/types.ts';
import {
  ApiError,
  alreadyExists,
  conflict,
  forbidden,
  invalid,
  notFound,
  badRequest,
  internalError,
  OBJECT_MODIFIED,
  fieldErr,
  type FieldError,
} from '../api/status.ts';
import { groupVersion, objectFields, storageKey, storagePrefix, findResource, type ResourceInfo } from '../api/resources.ts';
import { matchesFields, matchesLabels, type FieldSelector, type LabelSelector } from '../api/selectors.ts';
import { validateObjectMeta } from '../api/validation/meta.ts';
import { Cacher, type CachedObject } from './cacher.ts';
import { strategyFor, type AdmissionHooks, type DeleteOptionsBody } from './strategy.ts';

export interface ListOptions {
  labelSelector?: LabelSelector;
  fieldSelector?: FieldSelector;
  limit?: number;
  continueToken?: string;
}

export interface WriteOptions {
  dryRun?: boolean;
  /** 'status' for the status subresource, 'finalize' for namespaces/finalize. */
  subresource?: string;
}

export interface RegistryDeps {
  store: Store;
  cacher: Cacher;
  hooks?: AdmissionHooks;
  now?: () => Date;
  uid?: () => string;
}

const NAMESPACE = findResource('', 'v1', 'namespaces')!;
const OBJECT_PROTO = Object.prototype;

/**
 * A deep copy, as structuredClone makes it (undefined members and array
 * holes kept), but for plain JSON-shaped data — all an API object is — a
 * recursive copy is several times faster; anything else goes to
 * structuredClone.
 */
function clone<T>(o: T): T {
  if (o === null || typeof o !== 'object') return o;
  if (Array.isArray(o)) return (Object.getPrototypeOf(o) === Array.prototype ? o.map(clone) : structuredClone(o)) as T;
  const proto = Object.getPrototypeOf(o) as unknown;
  if (proto !== OBJECT_PROTO && proto !== null) return structuredClone(o);
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(o)) {
    const v = clone((o as Record<string, unknown>)[k]);
    // A "__proto__" member (JSON.parse makes it an own property) stays one.
    if (k === '__proto__') Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
    else out[k] = v;
  }
  return out as T;
}

function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Random suffix as Kubernetes' names.SimpleNameGenerator (5 chars of bcdfghjklmnpqrstvwxz2456789). */
function randomSuffix(): string {
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  let s = '';
  for (let i = 0; i < 5; i++) s += alphabet[Math.floor(Math.random() * alphabet.length)];
  return s;
}

/** Serialized object without resourceVersion (the key's modRevision is the truth). */
function encode(obj: KubeObject): string {
  const { resourceVersion: _rv, ...meta } = obj.metadata;
  void _rv;
  return JSON.stringify({ ...obj, metadata: meta });
}

/** Does anything besides metadata and status differ? (generation bump rule). */
function specChanged(a: KubeObject, b: KubeObject): boolean {
  if (plainObject(a) && plainObject(b)) return !sameJsonMembers(a, b, (k) => k !== 'metadata' && k !== 'status');
  const strip = (o: KubeObject) => {
    const { metadata: _m, status: _s, ...rest } = o;
    void _m;
    void _s;
    return JSON.stringify(rest);
  };
  return strip(a) !== strip(b);
}

/** A plain object (no toJSON, ordinary prototype): JSON.stringify walks its own keys. */
function plainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return (proto === OBJECT_PROTO || proto === null) && typeof (v as { toJSON?: unknown }).toJSON !== 'function';
}

function plainArray(v: unknown): v is unknown[] {
  return Array.isArray(v) && Object.getPrototypeOf(v) === Array.prototype && typeof (v as { toJSON?: unknown }).toJSON !== 'function';
}

/** Members JSON.stringify leaves out of an object (and writes as null in an array). */
function omitted(v: unknown): boolean {
  return v === undefined || typeof v === 'function' || typeof v === 'symbol';
}

/**
 * JSON.stringify(a) === JSON.stringify(b), without building either string:
 * the same keys in the same order (members JSON leaves out skipped), the
 * same values. Anything that is not plain data falls back to comparing the
 * text of that value, so the answer is always the text comparison's.
 */
function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (plainArray(a) && plainArray(b)) {
    if (a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) {
      const x = omitted(a[i]) ? null : a[i];
      const y = omitted(b[i]) ? null : b[i];
      if (!sameJson(x, y)) return false;
    }
    return true;
  }
  if (plainObject(a) && plainObject(b)) return sameJsonMembers(a, b, () => true);
  return JSON.stringify(a) === JSON.stringify(b);
}

function sameJsonMembers(a: Record<string, unknown>, b: Record<string, unknown>, use: (k: string) => boolean): boolean {
  const ka = Object.keys(a).filter((k) => use(k) && !omitted(a[k]));
  const kb = Object.keys(b).filter((k) => use(k) && !omitted(b[k]));
  if (ka.length !== kb.length) return false;
  for (let i = 0; i < ka.length; i++) {
    if (ka[i] !== kb[i] || !sameJson(a[ka[i]!], b[kb[i]!])) return false;
  }
  return true;
}

export class Registry {
  readonly store: Store;
  readonly cacher: Cacher;
  private readonly hooks: AdmissionHooks;
  private readonly now: () => Date;
  private readonly uid: () => string;

  constructor(d: RegistryDeps) {
    this.store = d.store;
    this.cacher = d.cacher;
    this.hooks = d.hooks ?? {};
    this.now = d.now ?? (() => new Date());
    this.uid = d.uid ?? randomUUID;
  }

  setHooks(h: AdmissionHooks): void {
    Object.assign(this.hooks, h);
  }

  // ------------------------------------------------------------------ read

  getCached(r: ResourceInfo, ns: string | undefined, name: string): CachedObject | undefined {
    return this.cacher.get(storageKey(r, ns, name));
  }

  get(r: ResourceInfo, ns: string | undefined, name: string): KubeObject {
    const c = this.getCached(r, ns, name);
    if (!c) throw notFound(r, name);
    return c.obj;
  }

  list(r: ResourceInfo, ns: string | undefined, opts: ListOptions = {}): { items: KubeObject[]; resourceVersion: string; continue?: string; remaining?: number } {
    let rvText = String(this.cacher.revision);
    let after = '';
    if (opts.continueToken) {
      const tok = decodeContinue(opts.continueToken);
      rvText = String(tok.rv);
      after = tok.start;
    }
    const limit = opts.limit && opts.limit > 0 ? opts.limit : Infinity;
    const filtered = Boolean(opts.labelSelector?.length || opts.fieldSelector?.length);
    const page = this.cacher.page(storagePrefix(r, ns), after, limit, (o) => this.matches(r, o, opts));
    if (!page.more) return { items: page.items.map((c) => c.obj), resourceVersion: rvText };
    const last = page.items[page.items.length - 1]!;
    return {
      items: page.items.map((c) => c.obj),
      resourceVersion: rvText,
      continue: encodeContinue(Number(rvText), last.key),
      // As Kubernetes: the count is only exact, and only sent, without selectors.
      ...(filtered ? {} : { remaining: page.rest }),
    };
  }

  matches(r: ResourceInfo, obj: KubeObject, opts: { labelSelector?: LabelSelector; fieldSelector?: FieldSelector }): boolean {
    if (opts.labelSelector?.length && !matchesLabels(opts.labelSelector, obj.metadata.labels)) return false;
    if (opts.fieldSelector?.length && !matchesFields(opts.fieldSelector, objectFields(r, obj))) return false;
    return true;
  }

  // ---------------------------------------------------------------- create

  async create(r: ResourceInfo, ns: string | undefined, input: KubeObject, opts: WriteOptions = {}): Promise<KubeObject> {
    const strategy = strategyFor(r);
    const obj = clone(input);
    obj.apiVersion = groupVersion(r);
    obj.kind = r.kind;
    const meta = (obj.metadata ??= {});
    if (r.namespaced) meta.namespace = ns;
    else delete meta.namespace;
    if (!meta.name && meta.generateName) {
      // Validate the prefix first so a bad generateName gets its own message.
      meta.name = `${meta.generateName}${randomSuffix()}`;
    }
    meta.uid = this.uid();
    meta.creationTimestamp = rfc3339(this.now());
    meta.generation = 1;
    delete meta.resourceVersion;
    delete meta.deletionTimestamp;
    delete meta.deletionGracePeriodSeconds;
    delete meta.selfLink;
    strategy.prepareForCreate?.(obj);

    const errs: FieldError[] = validateObjectMeta(meta, r.namespaced, strategy.nameRule);
    if (!errs.length) errs.push(...(strategy.validate?.(obj) ?? []));
    if (errs.length) throw invalid(r.kind, r.group, meta.name ?? '', errs);

    if (r.namespaced) this.checkNamespaceAcceptsCreates(r, ns!);
    const key = storageKey(r, ns, meta.name!);
    if (this.cacher.get(key)) throw alreadyExists(r, meta.name!);
    // Admission (allocation) ops race with other writers; a lost race is
    // retried from the unadmitted object, so hooks get a copy of it.
    const admit = this.hooksHandle(r);
    for (let attempt = 0; ; attempt++) {
      const candidate = admit ? clone(obj) : obj;
      const extra = admit ? ((await this.hooks.onCreate?.(r, candidate)) ?? []) : [];
      if (opts.dryRun) return candidate;
      try {
        const res = await this.commit(r, meta.name!, [{ type: 'create', key, value: encode(candidate) }, ...extra]);
        return await this.readBack(key, res);
      } catch (e) {
        if (e instanceof ApiError && e.reason === 'Conflict' && attempt < 16) {
          await this.cacher.waitFor(await this.store.currentRevision());
          continue;
        }
        throw e;
      }
    }
  }

  private checkNamespaceAcceptsCreates(r: ResourceInfo, ns: string): void {
    const nsObj = this.getCached(NAMESPACE, undefined, ns)?.obj;
    if (!nsObj) throw notFound(NAMESPACE, ns);
    if (nsObj.metadata.deletionTimestamp) {
      throw forbidden(r, '', `unable to create new content in namespace ${ns} because it is being terminated`);
    }
  }

  // ---------------------------------------------------------------- update

  /**
   * PUT semantics. A resourceVersion in the body is a precondition (409 when
   * stale); without one the update is unconditional.
   */
  async update(r: ResourceInfo, ns: string | undefined, name: string, input: KubeObject, opts: WriteOptions = {}): Promise<KubeObject> {
    const wantRv = input.metadata?.resourceVersion;
    if (r.allowCreateOnUpdate && !this.cacher.get(storageKey(r, ns, name))) {
      try {
        // create copies its input.
        return await this.create(r, ns, { ...input, metadata: { ...input.metadata, name } }, opts);
      } catch (e) {
        if (!(e instanceof ApiError && e.reason === 'AlreadyExists')) throw e;
        // Lost a race with another creator: fall through to a normal update.
      }
    }
    // Each attempt starts from a fresh copy of the body (the update rules mutate it).
    return this.guaranteedUpdate(r, ns, name, opts, (cur) => {
      if (wantRv && wantRv !== cur.metadata.resourceVersion) throw conflict(r, name, OBJECT_MODIFIED);
      return clone(input);
    }, Boolean(wantRv), false);
  }

  /**
   * Read-modify-write with retries on storage conflicts (GuaranteedUpdate).
   * `mutate` gets a mutable copy of the current object and returns the new
   * object; with `copyCur` false it gets the cached (frozen) object itself and
   * must return a new one (a patch, which copies as it applies). With
   * `strictRv`, a storage conflict is reported instead of retried.
   */
  async guaranteedUpdate(
    r: ResourceInfo,
    ns: string | undefined,
    name: string,
    opts: WriteOptions,
    mutate: (cur: KubeObject) => KubeObject,
    strictRv = false,
    copyCur = true,
  ): Promise<KubeObject> {
    const key = storageKey(r, ns, name);
    const admit = this.hooksHandle(r);
    for (let attempt = 0; ; attempt++) {
      const cached = this.cacher.get(key);
      if (!cached) throw notFound(r, name);
      const cur = cached.obj;
      const next = mutate(copyCur ? clone(cur) : cur);
      const update = this.prepareUpdate(r, ns, name, next, cached, opts, admit);
      if (!update) return cur;
      const prepared = update.obj;
      const deleteNow = this.readyToRemove(r, prepared);
      const extra = !admit ? [] : deleteNow ? ((await this.hooks.onDelete?.(r, cur)) ?? []) : ((await this.hooks.onUpdate?.(r, prepared, cur)) ?? []);
      if (opts.dryRun) return prepared;
      try {
        const op: TxnOp = deleteNow
          ? { type: 'delete', key, expectedModRevision: cached.rv }
          : // Admission may have changed the object after it was encoded.
            { type: 'update', key, value: admit ? encode(prepared) : update.text, expectedModRevision: cached.rv };
        const res = await this.commit(r, name, [op, ...extra]);
        if (deleteNow) {
          await this.cacher.waitFor(res.revision);
          return { ...prepared, metadata: { ...prepared.metadata, resourceVersion: String(res.revision) } };
        }
        return this.readBack(key, res);
      } catch (e) {
        if (e instanceof ApiError && e.reason === 'Conflict' && !strictRv && attempt < 16) {
          await this.cacher.waitFor(this.cacher.revision);
          continue;
        }
        throw e;
      }
    }
  }

  /**
   * Do admission hooks take part in writes of r? Hooks that do may mutate the
   * object they get; for other resources they are not called at all.
   */
  private hooksHandle(r: ResourceInfo): boolean {
    return this.hooks.handles?.(r) ?? true;
  }

  /**
   * Applies the update rules; returns the new object and its encoding, or
   * undefined when the update changes nothing. `next` may share (frozen)
   * parts with the current object when admission does not take part.
   */
  private prepareUpdate(
    r: ResourceInfo,
    ns: string | undefined,
    name: string,
    next: KubeObject,
    cached: CachedObject,
    opts: WriteOptions,
    admit: boolean,
  ): { obj: KubeObject; text: string } | undefined {
    const cur = cached.obj;
    const strategy = strategyFor(r);
    if (!next || typeof next !== 'object' || !next.metadata || typeof next.metadata !== 'object') {
      throw badRequest('the object provided is missing metadata');
    }
    const meta = next.metadata;
    if (meta.name !== undefined && meta.name !== name) {
      throw badRequest(`the name of the object (${meta.name}) does not match the name on the URL (${name})`);
    }
    if (r.namespaced && meta.namespace !== undefined && meta.namespace !== ns) {
      throw badRequest(`the namespace of the object (${meta.namespace}) does not match the namespace on the request (${ns})`);
    }
    next.apiVersion = groupVersion(r);
    next.kind = r.kind;
    meta.name = name;
    if (r.namespaced) meta.namespace = ns;
    // Fields the system owns.
    meta.uid = cur.metadata.uid;
    meta.creationTimestamp = cur.metadata.creationTimestamp;
    meta.deletionTimestamp = cur.metadata.deletionTimestamp;
    meta.deletionGracePeriodSeconds = cur.metadata.deletionGracePeriodSeconds;
    if (meta.deletionTimestamp === undefined) delete meta.deletionTimestamp;
    if (meta.deletionGracePeriodSeconds === undefined) delete meta.deletionGracePeriodSeconds;
    delete meta.generateName;
    if (cur.metadata.generateName) meta.generateName = cur.metadata.generateName;
    meta.resourceVersion = cur.metadata.resourceVersion;
    delete meta.selfLink;

    if (opts.subresource === 'status') {
      // The status endpoint changes status only (plus metadata labels/annotations).
      // Without admission nothing mutates the result, so it may share the
      // unchanged (frozen) parts of the current object instead of copying them.
      const keep = admit ? clone(cur) : { ...cur };
      keep.metadata = { ...cur.metadata, labels: meta.labels, annotations: meta.annotations };
      if (!keep.metadata.labels) delete keep.metadata.labels;
      if (!keep.metadata.annotations) delete keep.metadata.annotations;
      if (next['status'] === undefined) delete keep['status'];
      else keep['status'] = next['status'];
      return this.finishUpdate(keep, cached);
    }
    if (opts.subresource === 'finalize') {
      const keep = clone(cur);
      (keep as { spec?: unknown }).spec = (next as { spec?: unknown }).spec;
      return this.finishUpdate(keep, cached);
    }
    if (r.statusSubresource) {
      if (cur['status'] === undefined) delete next['status'];
      else next['status'] = clone(cur['status']);
    }
    if (r.resource === 'namespaces') (next as { spec?: unknown }).spec = clone((cur as { spec?: unknown }).spec);
    strategy.prepareForUpdate?.(next, cur);
    if (cur.metadata.deletionTimestamp) {
      // Finalizers may only be removed once deletion started (apimachinery rule).
      const added = (meta.finalizers ?? []).filter((f) => !(cur.metadata.finalizers ?? []).includes(f));
      if (added.length) {
        throw invalid(r.kind, r.group, name, [
          fieldErr.forbidden('metadata.finalizers', `no new finalizers can be added if the object is being deleted, found new finalizers []string{${added.map((f) => JSON.stringify(f)).join(', ')}}`),
        ]);
      }
    }
    meta.generation = (cur.metadata.generation ?? 1) + (specChanged(next, cur) ? 1 : 0);
    const errs = [...validateObjectMeta(meta, r.namespaced, strategy.nameRule), ...(strategy.validate?.(next) ?? []), ...(strategy.validateUpdate?.(next, cur) ?? [])];
    if (errs.length) throw invalid(r.kind, r.group, name, errs);
    return this.finishUpdate(next, cached);
  }

  /**
   * Undefined when the update changes nothing (no write, no new
   * resourceVersion): the new encoding equals the stored one, which is the
   * encoding of the cached object (see CachedObject.value).
   */
  private finishUpdate(next: KubeObject, cached: CachedObject): { obj: KubeObject; text: string } | undefined {
    const text = encode(next);
    return text === cached.value ? undefined : { obj: next, text };
  }

  /** An object marked for deletion whose finalizers are all gone is removed. */
  private readyToRemove(r: ResourceInfo, obj: KubeObject): boolean {
    if (!obj.metadata.deletionTimestamp) return false;
    if ((obj.metadata.finalizers ?? []).length) return false;
    if (strategyFor(r).pendingOnDelete?.(obj)) return false;
    if (r.resource === 'pods') {
      // A gracefully deleted pod goes when its node confirms with grace 0.
      return obj.metadata.deletionGracePeriodSeconds === 0;
    }
    return true;
  }

  // ---------------------------------------------------------------- delete

  /**
   * DELETE. Returns the object and whether it is gone now (false: marked for
   * graceful deletion or waiting for finalizers).
   */
  async delete(r: ResourceInfo, ns: string | undefined, name: string, o: DeleteOptionsBody, opts: WriteOptions = {}): Promise<{ obj: KubeObject; deleted: boolean }> {
    const key = storageKey(r, ns, name);
    const strategy = strategyFor(r);
    for (let attempt = 0; ; attempt++) {
      const cached = this.cacher.get(key);
      if (!cached) throw notFound(r, name);
      const cur = cached.obj;
      if (o.preconditions?.uid && o.preconditions.uid !== cur.metadata.uid) {
        throw conflict(r, name, `Precondition failed: UID in precondition: ${o.preconditions.uid}, UID in object meta: ${cur.metadata.uid}`);
      }
      if (o.preconditions?.resourceVersion && o.preconditions.resourceVersion !== cur.metadata.resourceVersion) {
        throw conflict(
          r,
          name,
          `Precondition failed: ResourceVersion in precondition: ${o.preconditions.resourceVersion}, ResourceVersion in object meta: ${cur.metadata.resourceVersion}`,
        );
      }
      const next = clone(cur);
      const meta = next.metadata;
      const finalizers = new Set(meta.finalizers ?? []);
      const policy = o.propagationPolicy ?? (o.orphanDependents ? 'Orphan' : o.orphanDependents === false ? 'Background' : undefined);
      if (policy === 'Foreground') finalizers.add('foregroundDeletion');
      if (policy === 'Orphan') finalizers.add('orphan');
      const grace = strategy.gracePeriod?.(cur, o) ?? 0;
      const pending = strategy.pendingOnDelete?.(cur) ?? false;
      let immediate = finalizers.size === 0 && !pending && grace === 0;
      if (r.resource === 'pods' && cur.metadata.deletionTimestamp && o.gracePeriodSeconds === undefined && finalizers.size === 0 && grace > 0) {
        // Already terminating and no shorter grace asked: nothing changes.
        return { obj: cur, deleted: false };
      }
      if (immediate) {
        const extra = (await this.hooks.onDelete?.(r, cur)) ?? [];
        if (opts.dryRun) return { obj: cur, deleted: true };
        try {
          const res = await this.commit(r, name, [{ type: 'delete', key, expectedModRevision: cached.rv }, ...extra]);
          await this.cacher.waitFor(res.revision);
          return { obj: { ...cur, metadata: { ...cur.metadata, resourceVersion: String(res.revision) } }, deleted: true };
        } catch (e) {
          if (e instanceof ApiError && e.reason === 'Conflict' && attempt < 16) continue;
          throw e;
        }
      }
      // Mark for deletion.
      const now = this.now();
      if (finalizers.size) meta.finalizers = [...finalizers];
      if (!meta.deletionTimestamp || (r.resource === 'pods' && grace < (meta.deletionGracePeriodSeconds ?? Infinity))) {
        meta.deletionTimestamp = rfc3339(new Date(now.getTime() + grace * 1000));
        meta.deletionGracePeriodSeconds = grace;
      }
      if (!meta.deletionTimestamp) meta.deletionTimestamp = rfc3339(now);
      meta.deletionGracePeriodSeconds ??= 0;
      strategy.prepareForDelete?.(next);
      immediate = false;
      if (opts.dryRun) return { obj: next, deleted: false };
      try {
        const removeNow = this.readyToRemove(r, next);
        const extra = removeNow ? ((await this.hooks.onDelete?.(r, cur)) ?? []) : [];
        const op: TxnOp = removeNow
          ? { type: 'delete', key, expectedModRevision: cached.rv }
          : { type: 'update', key, value: encode(next), expectedModRevision: cached.rv };
        const res = await this.commit(r, name, [op, ...extra]);
        if (removeNow) {
          await this.cacher.waitFor(res.revision);
          return { obj: next, deleted: true };
        }
        return { obj: await this.readBack(key, res), deleted: false };
      } catch (e) {
        if (e instanceof ApiError && e.reason === 'Conflict' && attempt < 16) continue;
        throw e;
      }
    }
  }

  // ---------------------------------------------------------------- commit

  private async commit(r: ResourceInfo, name: string, ops: TxnOp[]): Promise<{ revision: number }> {
    try {
      return await this.store.txn(ops);
    } catch (e) {
      throw this.storageToApi(r, name, e, ops);
    }
  }

  private storageToApi(r: ResourceInfo, name: string, e: unknown, ops: TxnOp[]): Error {
    if (e instanceof ApiError) return e;
    if (e instanceof StorageError) {
      const own = ops[0]?.key;
      if (e.key && own && e.key !== own) {
        // An admission op (e.g. an allocation record) lost a race: retryable.
        return conflict(r, name, OBJECT_MODIFIED);
      }
      switch (e.code) {
        case 'KeyExists':
          return alreadyExists(r, name);
        case 'NotFound':
          return notFound(r, name);
        case 'Conflict':
          return conflict(r, name, OBJECT_MODIFIED);
        default:
          return internalError(e.message);
      }
    }
    return internalError(e instanceof Error ? e.message : String(e));
  }

  private async readBack(key: string, res: { revision: number }): Promise<KubeObject> {
    await this.cacher.waitFor(res.revision);
    const c = this.cacher.get(key);
    if (!c) throw internalError(`object ${key} vanished after write`);
    return c.obj;
  }
}

// ------------------------------------------------------------ continue tokens

export function encodeContinue(rv: number, start: string): string {
  return Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv, start })).toString('base64url');
}

export function decodeContinue(tok: string): { rv: number; start: string } {
  try {
    const o = JSON.parse(Buffer.from(tok, 'base64url').toString('utf8')) as { rv?: unknown; start?: unknown };
    if (typeof o.rv === 'number' && typeof o.start === 'string') return { rv: o.rv, start: o.start };
  } catch {
    /* fall through */
  }
  throw badRequest('continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)');
}

export type { KubeList };
