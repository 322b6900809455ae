/**
 * REST handlers for resources: get, list, watch, create, update, patch,
 * delete, deletecollection, on the main resource and its status subresource.
 * Each handler turns the request into registry calls and the result into a
 * response body; errors are thrown as ApiError and rendered by the server.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { stringify as toYaml } from 'yaml';
import type { KubeObject } from '../api/types.ts';
import { ApiError, badRequest, methodNotAllowed, notAcceptable, notFound, statusError, successStatus } from '../api/status.ts';
import { groupVersion, storageKey, storagePrefix, type ResourceInfo } from '../api/resources.ts';
import { parseFieldSelector, parseLabelSelector, type FieldSelector, type LabelSelector } from '../api/selectors.ts';
import { definitions, schemaFor } from '../api/schema/index.ts';
import { findFieldProblems, fieldValidationOutcome, parseFieldValidation, warningHeaderValue } from '../api/field-validation/index.ts';
import type { Registry } from './registry.ts';
import { jsonOf, type CacheEvent } from './cacher.ts';
import { decodeBody, negotiate, readBody, mediaType, type ResourceRequest, type ResponseFormat } from './request.ts';
import { applyPatch } from './patch/index.ts';
import { buildTable } from './tables/index.ts';
import type { DeleteOptionsBody } from './strategy.ts';
import { proxyPodLogs } from './pod-logs.ts';

export interface HandlerContext {
  registry: Registry;
  /** Interval between watch bookmarks when a client allows them. */
  bookmarkIntervalMs: number;
  now: () => Date;
  /** Bearer token presented to node agents (pods/log proxy). */
  nodeToken?: string;
}

interface Reply {
  status: number;
  body: unknown;
  warnings?: string[];
}

function queryBool(q: URLSearchParams, k: string): boolean {
  const v = q.get(k);
  return v === 'true' || v === '1';
}

function dryRun(q: URLSearchParams): boolean {
  const v = q.getAll('dryRun');
  if (v.some((x) => x !== 'All' && x !== '')) throw badRequest(`unsupported dry run option: ${v.join(',')}`);
  return v.includes('All');
}

function selectors(q: URLSearchParams): { labelSelector?: LabelSelector; fieldSelector?: FieldSelector } {
  const out: { labelSelector?: LabelSelector; fieldSelector?: FieldSelector } = {};
  const l = q.get('labelSelector');
  if (l) out.labelSelector = parseLabelSelector(l);
  const f = q.get('fieldSelector');
  if (f) out.fieldSelector = parseFieldSelector(f);
  return out;
}

function checkFieldSelector(sel: FieldSelector | undefined, sample: (o: KubeObject) => Record<string, string>): void {
  if (!sel) return;
  const known = new Set(Object.keys(sample({ metadata: {} } as KubeObject)));
  for (const req of sel) {
    if (!known.has(req.field)) {
      throw badRequest(`field label not supported: ${req.field}`);
    }
  }
}

/** Checks a body for the right kind/apiVersion (missing ones default from the URL, as Kubernetes' decoder does). */
function checkKind(r: ResourceInfo, obj: unknown): KubeObject {
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) {
    throw badRequest(`the body of the request was not a JSON object`);
  }
  const o = obj as KubeObject;
  const gv = groupVersion(r);
  if (o.kind !== undefined && o.kind !== r.kind) {
    throw badRequest(`${r.kind} in version "${r.version}" cannot be handled as a ${r.kind}: expected kind "${r.kind}", got "${o.kind}"`);
  }
  if (o.apiVersion !== undefined && o.apiVersion !== gv) {
    throw badRequest(`the API version in the data (${o.apiVersion}) does not match the expected API version (${gv})`);
  }
  if (o.metadata !== undefined && (o.metadata === null || typeof o.metadata !== 'object' || Array.isArray(o.metadata))) {
    throw badRequest(`${r.kind} in version "${r.version}" cannot be handled as a ${r.kind}: json: cannot unmarshal ${Array.isArray(o.metadata) ? 'array' : typeof o.metadata} into Go struct field ${r.kind}.metadata of type v1.ObjectMeta`);
  }
  o.metadata ??= {};
  return o;
}

/**
 * fieldValidation=Strict|Warn|Ignore (default Warn, as Kubernetes). Create and
 * update wrap a strict error as the decoder does; patch reports it bare.
 */
function fieldValidation(r: ResourceInfo, q: URLSearchParams, jsonText: string, op: 'CreateOptions' | 'UpdateOptions' | 'PatchOptions'): string[] {
  const mode = parseFieldValidation(q.get('fieldValidation'), op);
  if (mode === 'Ignore') return [];
  const schema = schemaFor(r.group, r.version, r.kind);
  if (!schema) return [];
  const problems = findFieldProblems(jsonText, schema, definitions);
  const out = fieldValidationOutcome(mode, problems, op === 'PatchOptions' ? undefined : { kind: r.kind, version: r.version });
  if (out.error) throw out.error;
  return out.warnings;
}

// ---------------------------------------------------------------- rendering

function listOf(r: ResourceInfo, items: KubeObject[], meta: { resourceVersion: string; continue?: string; remaining?: number }): string {
  const m: Record<string, unknown> = { resourceVersion: meta.resourceVersion };
  if (meta.continue) m['continue'] = meta.continue;
  if (meta.remaining !== undefined) m['remainingItemCount'] = meta.remaining;
  // Items are pre-serialized: join their cached JSON instead of re-encoding.
  return `{"kind":${JSON.stringify(r.listKind)},"apiVersion":${JSON.stringify(groupVersion(r))},"metadata":${JSON.stringify(m)},"items":[${items.map(jsonOf).join(',')}]}`;
}

function tableOf(r: ResourceInfo, items: KubeObject[], q: URLSearchParams, now: Date, listMeta?: { resourceVersion?: string; continue?: string }, omitHeaders = false): unknown {
  const include = (q.get('includeObject') ?? 'Metadata') as 'None' | 'Object' | 'Metadata';
  return buildTable(r.resource, r.group, items, { includeObject: include, now, listMeta, omitHeaders });
}

function partialMetadata(o: KubeObject): object {
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata };
}

export function send(res: ServerResponse, status: number, body: unknown, format: ResponseFormat = 'json', warnings: string[] = []): void {
  if (warnings.length) res.setHeader('Warning', warnings.map(warningHeaderValue));
  let text: string;
  let type: string;
  if (format === 'yaml') {
    text = toYaml(typeof body === 'string' ? JSON.parse(body) : body);
    type = 'application/yaml';
  } else {
    // A cached object (frozen) has its JSON already, shared with its watch events.
    text = typeof body === 'string' ? body : body !== null && typeof body === 'object' && Object.isFrozen(body) ? jsonOf(body) : JSON.stringify(body);
    type = format === 'table' ? 'application/json;as=Table;v=v1;g=meta.k8s.io' : 'application/json';
  }
  res.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-cache, private', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

// ------------------------------------------------------------------ dispatch

export async function handleResource(ctx: HandlerContext, ri: ResourceRequest, req: IncomingMessage, res: ServerResponse, q: URLSearchParams): Promise<void> {
  const r = ri.info;
  if (!r || (!r.namespaced && ri.namespace !== undefined && ri.resource !== 'namespaces')) {
    throw statusError(404, 'NotFound', 'the server could not find the requested resource', {});
  }
  if (ri.subresource && !r.subresources.includes(ri.subresource)) {
    throw statusError(404, 'NotFound', 'the server could not find the requested resource', {});
  }
  const ns = r.namespaced ? ri.namespace : undefined;
  if (r.namespaced && ri.namespace === undefined && !['list', 'watch', 'deletecollection'].includes(ri.verb)) {
    if (ri.verb === 'create') throw methodNotAllowed('the server does not allow this method on the requested resource');
    throw statusError(404, 'NotFound', 'the server could not find the requested resource', {});
  }
  if (ri.verb === 'deletecollection' && !r.namespaced && ri.namespace) throw notFound(r, '');
  const format = negotiate(req.headers.accept);
  if (format === 'none') throw notAcceptable('only the following media types are accepted: application/json, application/yaml, application/vnd.kubernetes.protobuf');

  if (ri.verb === 'watch') return serveWatch(ctx, r, ns, ri.name, req, res, q, format);
  if (ri.subresource === 'log' && ri.verb === 'get') return proxyPodLogs(ctx.registry, ns!, ri.name!, q, ctx.nodeToken, res);
  const reply = await dispatch(ctx, r, ns, ri, req, q, format);
  send(res, reply.status, reply.body, format === 'table' && !isTableable(reply.body) ? 'json' : format === 'partial-metadata' ? 'json' : format, reply.warnings);
}

function isTableable(body: unknown): boolean {
  return typeof body === 'object' && body !== null && (body as { kind?: string }).kind === 'Table';
}

async function dispatch(ctx: HandlerContext, r: ResourceInfo, ns: string | undefined, ri: ResourceRequest, req: IncomingMessage, q: URLSearchParams, format: ResponseFormat): Promise<Reply> {
  const reg = ctx.registry;
  const name = ri.name;
  switch (ri.verb) {
    case 'get': {
      const obj = reg.get(r, ns, name!);
      if (format === 'table') return { status: 200, body: tableOf(r, [obj], q, ctx.now()) };
      if (format === 'partial-metadata') return { status: 200, body: partialMetadata(obj) };
      return { status: 200, body: jsonOf(obj) };
    }
    case 'list': {
      const sel = selectors(q);
      checkFieldSelector(sel.fieldSelector, (o) => ({ 'metadata.name': '', ...(r.namespaced ? { 'metadata.namespace': '' } : {}), ...(r.fields?.(o) ?? {}) }));
      const limit = q.get('limit') ? Number(q.get('limit')) : undefined;
      if (limit !== undefined && (!Number.isInteger(limit) || limit < 0)) throw badRequest(`invalid limit: ${q.get('limit')}`);
      const out = reg.list(r, ns, { ...sel, limit, continueToken: q.get('continue') ?? undefined });
      if (format === 'table') return { status: 200, body: tableOf(r, out.items, q, ctx.now(), { resourceVersion: out.resourceVersion, continue: out.continue }) };
      if (format === 'partial-metadata') {
        return {
          status: 200,
          body: { kind: 'PartialObjectMetadataList', apiVersion: 'meta.k8s.io/v1', metadata: { resourceVersion: out.resourceVersion }, items: out.items.map(partialMetadata) },
        };
      }
      return { status: 200, body: listOf(r, out.items, out) };
    }
    case 'create': {
      if (ri.name) {
        throw methodNotAllowed('the server does not allow this method on the requested resource');
      }
      const { obj, jsonText } = decodeBody(req.headers['content-type'], await readBody(req), r);
      const o = checkKind(r, obj);
      if (r.namespaced && o.metadata.namespace !== undefined && o.metadata.namespace !== '' && o.metadata.namespace !== ns) {
        throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
      }
      const warnings = fieldValidation(r, q, jsonText, 'CreateOptions');
      const created = await reg.create(r, ns, o, { dryRun: dryRun(q) });
      return { status: 201, body: created, warnings };
    }
    case 'update': {
      const { obj, jsonText } = decodeBody(req.headers['content-type'], await readBody(req), r);
      const o = checkKind(r, obj);
      if (o.metadata.name !== undefined && o.metadata.name !== name) {
        throw badRequest(`the name of the object (${o.metadata.name}) does not match the name on the URL (${name})`);
      }
      if (r.namespaced && o.metadata.namespace !== undefined && o.metadata.namespace !== '' && o.metadata.namespace !== ns) {
        throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
      }
      const warnings = fieldValidation(r, q, jsonText, 'UpdateOptions');
      const updated = await reg.update(r, ns, name!, o, { dryRun: dryRun(q), subresource: ri.subresource });
      return { status: 200, body: updated, warnings };
    }
    case 'patch': {
      const ct = mediaType(req.headers['content-type']);
      const body = (await readBody(req)).toString('utf8');
      const schema = schemaFor(r.group, r.version, r.kind);
      const dr = dryRun(q);
      let warnings: string[] = [];
      // applyPatch copies the current object: the cached one is passed as is.
      const patched = await reg.guaranteedUpdate(r, ns, name!, { dryRun: dr, subresource: ri.subresource }, (cur) => {
        const next = applyPatch(ct, cur, body, { schema: schema ?? { type: 'object', properties: {} }, defs: definitions }) as KubeObject;
        const o = checkKind(r, next);
        warnings = fieldValidation(r, q, JSON.stringify(o), 'PatchOptions');
        return o;
      }, false, false);
      return { status: 200, body: patched, warnings };
    }
    case 'delete': {
      const opts = await deleteOptions(req, q);
      const out = await reg.delete(r, ns, name!, opts, { dryRun: dryRun(q) || (opts.dryRun ?? []).includes('All') });
      return { status: out.deleted ? 200 : 202, body: out.obj };
    }
    case 'deletecollection': {
      const opts = await deleteOptions(req, q);
      const sel = selectors(q);
      const out = reg.list(r, ns, sel);
      const dr = dryRun(q);
      for (const o of out.items) {
        try {
          await reg.delete(r, o.metadata.namespace, o.metadata.name!, opts, { dryRun: dr });
        } catch (e) {
          if (!(e instanceof ApiError && e.code === 404)) throw e;
        }
      }
      return { status: 200, body: successStatus() };
    }
  }
  throw methodNotAllowed('the server does not allow this method on the requested resource');
}

async function deleteOptions(req: IncomingMessage, q: URLSearchParams): Promise<DeleteOptionsBody> {
  const raw = await readBody(req);
  let o: DeleteOptionsBody = {};
  if (raw.length) {
    const { obj } = decodeBody(req.headers['content-type'], raw, { group: 'meta.k8s.io', version: 'v1', kind: 'DeleteOptions' });
    if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) throw badRequest('the body of the request was not a DeleteOptions object');
    o = obj as DeleteOptionsBody;
  }
  if (q.get('gracePeriodSeconds') !== null) o.gracePeriodSeconds = Number(q.get('gracePeriodSeconds'));
  if (q.get('propagationPolicy')) o.propagationPolicy = q.get('propagationPolicy') as DeleteOptionsBody['propagationPolicy'];
  if (o.gracePeriodSeconds !== undefined && (!Number.isInteger(o.gracePeriodSeconds) || o.gracePeriodSeconds < 0)) {
    if (o.gracePeriodSeconds !== undefined && Number.isInteger(o.gracePeriodSeconds) && o.gracePeriodSeconds < 0) o.gracePeriodSeconds = 1;
    else throw badRequest(`invalid gracePeriodSeconds: ${String(o.gracePeriodSeconds)}`);
  }
  if (o.propagationPolicy && !['Orphan', 'Background', 'Foreground'].includes(o.propagationPolicy)) {
    throw statusError(422, 'Invalid', `DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Unsupported value: "${o.propagationPolicy}": supported values: "Foreground", "Background", "Orphan", "nil"`);
  }
  return o;
}

// -------------------------------------------------------------------- watch

const watchLines = new WeakMap<object, Map<string, Buffer>>();

/**
 * The encoded watch line for a cached object: built once per (object, event
 * type) and shared by every watcher, so fan-out costs a write, not an encode.
 */
function watchLine(type: string, obj: object): Buffer {
  let m = watchLines.get(obj);
  if (!m) watchLines.set(obj, (m = new Map()));
  let b = m.get(type);
  if (!b) m.set(type, (b = Buffer.from(`{"type":"${type}","object":${jsonOf(obj)}}\n`)));
  return b;
}

async function serveWatch(
  ctx: HandlerContext,
  r: ResourceInfo,
  ns: string | undefined,
  name: string | undefined,
  req: IncomingMessage,
  res: ServerResponse,
  q: URLSearchParams,
  format: ResponseFormat,
): Promise<void> {
  const reg = ctx.registry;
  const sel = selectors(q);
  if (name) {
    sel.fieldSelector = [...(sel.fieldSelector ?? []), { field: 'metadata.name', operator: '=', value: name }];
  }
  const rvParam = q.get('resourceVersion') ?? '';
  const bookmarks = queryBool(q, 'allowWatchBookmarks');
  const sendInitial = q.get('sendInitialEvents') === 'true';
  const timeout = q.get('timeoutSeconds') ? Number(q.get('timeoutSeconds')) : 0;
  const prefix = name ? storageKey(r, ns, name) : storagePrefix(r, ns);
  const matches = (o: KubeObject) => reg.matches(r, o, sel) && (!name || o.metadata.name === name);

  let fromRv: number;
  const initial: KubeObject[] = [];
  if (rvParam === '' || rvParam === '0' || sendInitial) {
    // "Get state and start at most recent": synthetic ADDED for what exists now.
    fromRv = reg.cacher.revision;
    for (const c of reg.cacher.list(prefix)) if (c.key === prefix || !name) if (matches(c.obj)) initial.push(c.obj);
  } else {
    fromRv = Number(rvParam);
    if (!Number.isInteger(fromRv) || fromRv < 0) throw badRequest(`invalid resource version: ${rvParam}`);
  }

  let headersSent = false;
  const table = format === 'table';
  // Lines are sent once per turn of the event loop: under load the events of
  // many writes go out as one chunk (one TLS record, one syscall) instead of
  // one each; order is kept because every line goes through `lines`.
  const lines: Buffer[] = [];
  let queuedBytes = 0;
  let flushQueued = false;
  const flush = (): void => {
    flushQueued = false;
    if (lines.length && !closed && !res.destroyed) res.write(lines.length === 1 ? lines[0]! : Buffer.concat(lines));
    lines.length = 0;
    queuedBytes = 0;
  };
  const queue = (line: Buffer | string): void => {
    const b = typeof line === 'string' ? Buffer.from(line) : line;
    lines.push(b);
    queuedBytes += b.length;
    // A long initial list goes out in pieces, not as one huge buffer.
    if (queuedBytes >= 256 * 1024) flush();
    else if (!flushQueued) {
      flushQueued = true;
      setImmediate(flush);
    }
  };
  const write = (type: string, obj: KubeObject | object): void => {
    if (!headersSent) {
      res.writeHead(200, {
        'Content-Type': table ? 'application/json;as=Table;v=v1;g=meta.k8s.io' : 'application/json',
        'Cache-Control': 'no-cache, private',
        'Transfer-Encoding': 'chunked',
      });
      headersSent = true;
    }
    if (table && type !== 'BOOKMARK' && type !== 'ERROR') {
      queue(`{"type":"${type}","object":${JSON.stringify(tableOf(r, [obj as KubeObject], q, ctx.now(), undefined, sentHeader))}}\n`);
      sentHeader = true;
    } else if (type === 'BOOKMARK' || type === 'ERROR') {
      queue(`{"type":"${type}","object":${JSON.stringify(obj)}}\n`);
    } else {
      queue(watchLine(type, obj));
    }
  };
  let sentHeader = false;

  let unsubscribe: (() => void) | undefined;
  const pending: CacheEvent[] = [];
  let closed = false;
  const onEvent = (ev: CacheEvent): void => {
    if (closed) return;
    const now = matches(ev.obj);
    const before = ev.prev ? matches(ev.prev) : false;
    let type: string | undefined;
    let obj = ev.obj;
    if (ev.type === 'ADDED') type = now ? 'ADDED' : undefined;
    else if (ev.type === 'MODIFIED') {
      if (now && before) type = 'MODIFIED';
      else if (now) type = 'ADDED';
      else if (before) {
        type = 'DELETED';
        obj = ev.obj;
      }
    } else if (ev.type === 'DELETED') type = before || now ? 'DELETED' : undefined;
    if (type) write(type, obj);
  };
  try {
    for (const o of initial) write('ADDED', o);
    unsubscribe = reg.cacher.watch(prefix, fromRv, { onEvent: (ev) => (unsubscribe ? onEvent(ev) : pending.push(ev)) });
    for (const ev of pending.splice(0)) onEvent(ev);
  } catch (e) {
    if (e instanceof ApiError && e.code === 410) {
      // A watch from a too-old RV answers 200 with an ERROR event (as Kubernetes does).
      write('ERROR', e.status);
      flush();
      res.end();
      return;
    }
    throw e;
  }
  const bookmarkObj = () => ({ kind: r.kind, apiVersion: groupVersion(r), metadata: { resourceVersion: String(reg.cacher.revision) } });
  if (sendInitial && bookmarks) {
    write('BOOKMARK', { ...bookmarkObj(), metadata: { ...bookmarkObj().metadata, annotations: { 'k8s.io/initial-events-end': 'true' } } });
  }
  if (!headersSent) {
    res.writeHead(200, {
      'Content-Type': table ? 'application/json;as=Table;v=v1;g=meta.k8s.io' : 'application/json',
      'Cache-Control': 'no-cache, private',
      'Transfer-Encoding': 'chunked',
    });
    res.flushHeaders();
    headersSent = true;
  }
  const timers: NodeJS.Timeout[] = [];
  if (bookmarks) timers.push(setInterval(() => write('BOOKMARK', bookmarkObj()), ctx.bookmarkIntervalMs));
  await new Promise<void>((resolve) => {
    const finish = () => {
      if (closed) return;
      closed = true;
      unsubscribe?.();
      for (const t of timers) clearInterval(t);
      resolve();
    };
    if (timeout > 0) timers.push(setTimeout(() => { flush(); finish(); res.end(); }, timeout * 1000));
    res.on('close', finish);
    req.socket.on('close', finish);
  });
}
