/**
 * The handlers every controller keyed by a selector Service shares
 * (EndpointSlice and Endpoints): Service events enqueue the Service; pod
 * events enqueue the Services whose selectors match the pod's old or new
 * labels. Handlers only enqueue; reconcile lives in the subclass.
 */
import type { Pod, Service } from '../../api/types.ts';
import { serviceKeysForLabels, serviceKeysForPodUpdate, type ControllerCaches } from '../caches.ts';
import type { ReconcileLoop } from './loop.ts';
import { podEndpointsChanged } from './pod.ts';
import { keyOf } from './service.ts';

export abstract class ServicePodController {
  abstract readonly loop: ReconcileLoop;
  protected abstract readonly caches: ControllerCaches;

  stop(): void {
    this.loop.stop();
  }

  idle(): Promise<void> {
    return this.loop.idle();
  }

  onServiceAdd(svc: Service): void {
    this.loop.enqueue(keyOf(svc));
  }

  onServiceUpdate(_old: Service, svc: Service): void {
    this.loop.enqueue(keyOf(svc));
  }

  onServiceDelete(svc: Service): void {
    this.loop.enqueue(keyOf(svc));
  }

  onPodAdd(pod: Pod): void {
    for (const k of serviceKeysForLabels(this.caches.services, pod.metadata.namespace ?? '', pod.metadata.labels)) this.loop.enqueue(k);
  }

  onPodUpdate(old: Pod, pod: Pod): void {
    for (const k of serviceKeysForPodUpdate(this.caches.services, old, pod, podEndpointsChanged(old, pod))) this.loop.enqueue(k);
  }

  onPodDelete(pod: Pod): void {
    this.onPodAdd(pod);
  }
}
