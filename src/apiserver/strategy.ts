/**
 * Per-resource behaviour of the generic registry (Kubernetes' RESTCreateStrategy
 * / RESTUpdateStrategy / RESTDeleteStrategy): name rules, what create and
 * update reset, validation, graceful deletion. Admission hooks that need
 * extra atomic writes (allocators) plug in through `AdmissionHooks`.
 */
import type { FieldError } from '../api/status.ts';
import { fieldErr } from '../api/status.ts';
import type { KubeObject, Pod, Namespace } from '../api/types.ts';
import type { ResourceInfo } from '../api/resources.ts';
import type { NameRule } from '../api/validation/meta.ts';
import type { TxnOp } from '../storage/index.ts';
import { serviceStrategy } from './strategies/service.ts';
import { endpointsStrategy, endpointSliceStrategy } from './strategies/endpoints.ts';
import { defaultPod } from '../api/defaults/pod.ts';

export interface DeleteOptionsBody {
  gracePeriodSeconds?: number;
  propagationPolicy?: 'Orphan' | 'Background' | 'Foreground';
  orphanDependents?: boolean;
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: string[];
}

export interface Strategy {
  nameRule: NameRule;
  /** Mutates a new object before validation (reset status, defaults). */
  prepareForCreate?(obj: KubeObject): void;
  /** Mutates an updated object before validation (e.g. keep fields the endpoint may not change). */
  prepareForUpdate?(obj: KubeObject, old: KubeObject): void;
  validate?(obj: KubeObject): FieldError[];
  validateUpdate?(obj: KubeObject, old: KubeObject): FieldError[];
  /**
   * Grace period for a delete, or 0 for an immediate delete. Only pods are
   * deleted gracefully (Kubernetes' pod strategy CheckGracefulDelete).
   */
  gracePeriod?(obj: KubeObject, opts: DeleteOptionsBody): number;
  /** Extra finalizers a delete must wait for (namespaces: spec.finalizers). */
  pendingOnDelete?(obj: KubeObject): boolean;
  /** Called when marking an object for deletion (e.g. namespace phase Terminating). */
  prepareForDelete?(obj: KubeObject): void;
}

/** Extra writes that must commit atomically with an object write (e.g. IP allocation). */
export interface AdmissionHooks {
  /**
   * Whether the hooks take part in writes of r (default: yes). The registry
   * calls no hook for a resource they do not handle, and then relies on the
   * object not being changed by admission (it skips copies for that).
   */
  handles?(r: ResourceInfo): boolean;
  /** May mutate obj; returns ops to commit with the create, or throws an ApiError. */
  onCreate?(r: ResourceInfo, obj: KubeObject): Promise<TxnOp[]> | TxnOp[];
  onUpdate?(r: ResourceInfo, obj: KubeObject, old: KubeObject): Promise<TxnOp[]> | TxnOp[];
  onDelete?(r: ResourceInfo, old: KubeObject): Promise<TxnOp[]> | TxnOp[];
}

function resetStatus(obj: KubeObject): void {
  delete obj['status'];
}

const podStrategy: Strategy = {
  nameRule: 'subdomain',
  prepareForCreate(obj) {
    const p = obj as Pod;
    p.status = { phase: 'Pending' };
    defaultPod(p);
  },
  prepareForUpdate(obj) {
    // Kubernetes defaults every decoded object, updates included.
    defaultPod(obj as Pod);
  },
  validate(obj) {
    const p = obj as Pod;
    const errs: FieldError[] = [];
    if (!p.spec || typeof p.spec !== 'object') return [fieldErr.required('spec')];
    if (!Array.isArray(p.spec.containers) || p.spec.containers.length === 0) {
      errs.push(fieldErr.required('spec.containers'));
      return errs;
    }
    const names = new Set<string>();
    p.spec.containers.forEach((c, i) => {
      if (!c.name) errs.push(fieldErr.required(`spec.containers[${i}].name`));
      else if (names.has(c.name)) errs.push(fieldErr.duplicate(`spec.containers[${i}].name`, c.name));
      names.add(c.name);
      (c.ports ?? []).forEach((port, j) => {
        if (!(Number.isInteger(port.containerPort) && port.containerPort >= 1 && port.containerPort <= 65535)) {
          errs.push(fieldErr.invalid(`spec.containers[${i}].ports[${j}].containerPort`, port.containerPort, 'must be between 1 and 65535, inclusive'));
        }
      });
    });
    const g = p.spec.terminationGracePeriodSeconds;
    if (g !== undefined && (!Number.isInteger(g) || g < 0)) {
      errs.push(fieldErr.invalid('spec.terminationGracePeriodSeconds', g, 'must be greater than or equal to 0'));
    }
    return errs;
  },
  validateUpdate(obj, old) {
    const p = obj as Pod;
    const o = structuredClone(old) as Pod;
    defaultPod(o);
    const errs: FieldError[] = [];
    // Pod updates may not change fields other than image, activeDeadlineSeconds,
    // tolerations (additions) and terminationGracePeriodSeconds (validation.go ValidatePodUpdate).
    const strip = (s: Pod['spec']) =>
      JSON.stringify({
        ...s,
        containers: (s.containers ?? []).map((c) => ({ ...c, image: undefined })),
        initContainers: (s.initContainers ?? []).map((c) => ({ ...c, image: undefined })),
        activeDeadlineSeconds: undefined,
        tolerations: undefined,
        terminationGracePeriodSeconds: undefined,
        nodeName: o.spec.nodeName ? s.nodeName : undefined,
      });
    if (strip(p.spec) !== strip(o.spec)) {
      errs.push(
        fieldErr.forbidden(
          'spec',
          'pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)',
        ),
      );
    }
    if (o.spec.nodeName && p.spec.nodeName !== o.spec.nodeName) {
      errs.push(fieldErr.invalid('spec.nodeName', p.spec.nodeName ?? '', 'field is immutable'));
    }
    return errs;
  },
  gracePeriod(obj, opts) {
    const p = obj as Pod;
    // Unscheduled or finished pods go at once (pod strategy CheckGracefulDeleteForPod).
    if (!p.spec.nodeName) return 0;
    if (p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed') return 0;
    const g = opts.gracePeriodSeconds ?? p.spec.terminationGracePeriodSeconds ?? 30;
    return Math.max(0, g);
  },
};

const namespaceStrategy: Strategy = {
  nameRule: 'label',
  prepareForCreate(obj) {
    const ns = obj as Namespace;
    ns.spec = { finalizers: ['kubernetes'] };
    ns.status = { phase: 'Active' };
    ns.metadata.labels = { ...ns.metadata.labels, 'kubernetes.io/metadata.name': ns.metadata.name ?? '' };
  },
  prepareForUpdate(obj, old) {
    const ns = obj as Namespace;
    ns.metadata.labels = { ...ns.metadata.labels, 'kubernetes.io/metadata.name': old.metadata.name ?? '' };
  },
  pendingOnDelete(obj) {
    return ((obj as Namespace).spec?.finalizers ?? []).length > 0;
  },
  prepareForDelete(obj) {
    const ns = obj as Namespace;
    ns.status = { ...ns.status, phase: 'Terminating' };
  },
};

const nodeStrategy: Strategy = {
  nameRule: 'subdomain',
};

const defaultStrategy: Strategy = { nameRule: 'subdomain' };

const eventStrategy: Strategy = { nameRule: 'subdomain' };


export function strategyFor(r: ResourceInfo): Strategy {
  switch (r.resource) {
    case 'pods':
      return podStrategy;
    case 'services':
      return serviceStrategy;
    case 'namespaces':
      return namespaceStrategy;
    case 'nodes':
      return nodeStrategy;
    case 'events':
      return eventStrategy;
    case 'endpoints':
      return endpointsStrategy;
    case 'endpointslices':
      return endpointSliceStrategy;
    default:
      return defaultStrategy;
  }
}

export { resetStatus };
