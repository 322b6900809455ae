/**
 * Public face of admission: Service allocation hooks, the cluster network
 * configuration the strategies read, and the start-up Services.
 */
export {
  serviceAdmission,
  combineAdmissionHooks,
  cacheView,
  configureNetwork,
  currentNetwork,
  loopbackNetworkConfig,
  kernelNetworkConfig,
  networkConfigErrors,
  type ClusterNetworkConfig,
  type ServiceAdmissionOptions,
} from './service-admission.ts';
export { bootstrapServices, type BootstrapReport, type BootstrapServicesOptions } from './bootstrap-services.ts';
export { repairAllocations, formatRepairReport, repairFixCount, parsePortRange, type RepairReport } from '../../allocators/index.ts';
export { normalizeClusterIPs, patchAllocatedValues, initIPFamilyFields, dropTypeDependentFields, type IPFamilySetup } from './service-fields.ts';
export { endpointPolicy, ipFamilySetup } from './network-state.ts';
