/** Local multi-node clusters in network namespaces: see README.md. */
export { createCluster, deleteCluster, listClusters, createOptionsError, nodeCommand, defaultDataDir, ClusterError, type CreateOptions, type CreatedCluster, type DeleteResult, type ClusterSummary } from './cluster.ts';
export { runClusterControlPlane, runClusterNode } from './components.ts';
export { planCluster, interfaceStem, clusterNameErrors, renderRootBatch, renderNodeBatch, renderClientBatch, renderNodeNftables, SERVICE_CIDR, CLUSTER_CIDR, SERVICE_CIDR6, CLUSTER_CIDR6, LB_POOL, API_PORT, type ClusterPlan, type ClusterSpec, type NodePlan, type DataPlaneMode } from './plan.ts';
export { planKubeDnsEndpoints } from './kube-dns.ts';
export { registryEntry, readState, REGISTRY_DIR, type ClusterState } from './state.ts';
