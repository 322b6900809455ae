/**
 * LoadBalancer IP controller (MetalLB-style address pools). See controller.ts.
 */
export { startLoadBalancerController, type LoadBalancerController, type LoadBalancerControllerOptions } from './controller.ts';
export { planLoadBalancer, isOurs, requestedIPs, ANNOTATION_LB_IPS, ANNOTATION_LB_IPS_OLD, type LBPlan } from './plan.ts';
export { parsePool, parsePools, PoolAllocator, PoolConfigError, type Pool } from './pools.ts';

/** Default pool in loopback mode (DESIGN.md). */
export const LOOPBACK_LB_POOL = '127.240.0.0/16';
export { parsePoolConfig, readPoolConfig, type PoolConfig } from './config.ts';
