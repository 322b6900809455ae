/**
 * Service create/update behaviour. Defaulting and validation live in
 * src/api (pure); allocation of ClusterIPs and NodePorts is an admission hook
 * (src/allocators) so it commits atomically with the Service.
 */
import type { Strategy } from '../strategy.ts';
import { fieldErr } from '../../api/status.ts';

export const serviceStrategy: Strategy = {
  nameRule: 'dns1035',
  prepareForCreate(obj) {
    obj['status'] = { loadBalancer: {} };
  },
  validate(obj) {
    if (!obj['spec'] || typeof obj['spec'] !== 'object') return [fieldErr.required('spec')];
    return [];
  },
};
