/**
 * Endpoints and EndpointSlice behaviour: port defaulting and Kubernetes'
 * validation plus the backend address policy (no loopback except pod
 * addresses in loopback mode, no link-local, no multicast, nothing in the
 * service CIDRs). The ranges come from the cluster network configuration
 * (admission/network-state: configureNetwork, set by serviceAdmission).
 */
import type { Strategy } from '../strategy.ts';
import { fieldErr } from '../../api/status.ts';
import type { Endpoints, EndpointSlice } from '../../api/types.ts';
import { defaultEndpoints, defaultEndpointSlice } from '../../api/defaults/endpoints.ts';
import { validateEndpoints, validateEndpointSlice } from '../../api/validation/endpoints.ts';
import { endpointPolicy } from '../admission/network-state.ts';

export const endpointsStrategy: Strategy = {
  nameRule: 'subdomain',
  prepareForCreate(obj) {
    defaultEndpoints(obj as Endpoints);
  },
  prepareForUpdate(obj) {
    defaultEndpoints(obj as Endpoints);
  },
  validate(obj) {
    return validateEndpoints(obj as Endpoints, endpointPolicy(obj));
  },
};

export const endpointSliceStrategy: Strategy = {
  nameRule: 'subdomain',
  prepareForCreate(obj) {
    defaultEndpointSlice(obj as EndpointSlice);
  },
  prepareForUpdate(obj) {
    defaultEndpointSlice(obj as EndpointSlice);
  },
  validate(obj) {
    return validateEndpointSlice(obj as EndpointSlice, endpointPolicy(obj));
  },
  validateUpdate(obj, old) {
    const a = (obj as EndpointSlice).addressType;
    return a === (old as EndpointSlice).addressType ? [] : [fieldErr.invalid('addressType', a ?? null, 'field is immutable')];
  },
};
