/**
 * Service create/update behaviour. Defaulting and validation live in
 * src/api (pure); the registry-level field logic in admission/service-fields;
 * allocation of ClusterIPs and NodePorts is an admission hook
 * (admission/service-admission) so it commits atomically with the Service.
 *
 * Order per write: defaulting (SetDefaults_Service) → clusterIP(s)
 * normalisation / carrying over allocated values → IP-family defaulting →
 * type-transition cleanup → validation → allocation (hooks).
 */
import type { Strategy } from '../strategy.ts';
import { fieldErr, invalid } from '../../api/status.ts';
import type { KubeObject, Service } from '../../api/types.ts';
import { defaultService, orderServiceFields } from '../../api/defaults/service.ts';
import { validateServiceFields, validateServiceUpdateRules } from '../../api/validation/service.ts';
import { dropTypeDependentFields, initIPFamilyFields, normalizeClusterIPs, patchAllocatedValues } from '../admission/service-fields.ts';
import { ipFamilySetup } from '../admission/network-state.ts';

function hasSpec(obj: KubeObject): boolean {
  const spec = obj['spec'];
  return spec !== null && typeof spec === 'object' && !Array.isArray(spec);
}

export const serviceStrategy: Strategy = {
  nameRule: 'dns1035',
  prepareForCreate(obj) {
    obj['status'] = { loadBalancer: {} };
    if (!hasSpec(obj)) return;
    const svc = obj as Service;
    defaultService(svc);
    normalizeClusterIPs(svc, undefined);
    const errs = initIPFamilyFields(svc, undefined, ipFamilySetup());
    if (errs.length) throw invalid('Service', '', svc.metadata.name ?? '', errs);
    orderServiceFields(svc);
  },
  prepareForUpdate(obj, old) {
    if (!hasSpec(obj) || !hasSpec(old)) return;
    const svc = obj as Service;
    const prev = old as Service;
    defaultService(svc);
    patchAllocatedValues(svc, prev);
    normalizeClusterIPs(svc, prev);
    const errs = initIPFamilyFields(svc, prev, ipFamilySetup());
    if (errs.length) throw invalid('Service', '', svc.metadata.name ?? '', errs);
    dropTypeDependentFields(svc, prev);
    orderServiceFields(svc);
  },
  validate(obj) {
    if (!hasSpec(obj)) return [fieldErr.required('spec')];
    // Allocation runs after validation here, so an unset healthCheckNodePort is expected.
    return validateServiceFields(obj as Service, { beforeAllocation: true });
  },
  validateUpdate(obj, old) {
    if (!hasSpec(obj) || !hasSpec(old)) return [];
    return validateServiceUpdateRules(obj as Service, old as Service);
  },
};
