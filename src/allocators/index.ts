/**
 * Public face of the allocators: ClusterIP (per family) and NodePort pools,
 * the allocation records kept in storage, per-write planning, and start-up
 * repair. See records.ts for how allocation state lives in storage.
 */
export { RangeFullError, AlreadyAllocatedError, NotInRangeError } from './errors.ts';
export { ClusterIPAllocator } from './ip-allocator.ts';
export { NodePortAllocator, parsePortRange, formatPortRange, DEFAULT_NODE_PORT_RANGE, type PortRange } from './port-allocator.ts';
export {
  loopbackNetworkConfig,
  kernelNetworkConfig,
  networkConfigErrors,
  configuredFamilies,
  serviceCIDRList,
  allocatorsFor,
  type ClusterNetworkConfig,
  type ServiceAllocators,
  type IPFamily,
} from './network-config.ts';
export { SERVICE_IPS_PREFIX, NODE_PORTS_PREFIX, ipKey, portKey, encodeRecord, ownerOf, type ServiceRef, type AllocationRecord } from './records.ts';
export { heldClusterIPs, heldNodePorts } from './holdings.ts';
export { planServiceAllocations, planServiceRelease, type AllocationPlan, type AllocationView } from './plan-service.ts';
export { repairAllocations, formatRepairReport, repairFixCount, type RepairReport, type RepairFix, type AllocationCache } from './repair.ts';
