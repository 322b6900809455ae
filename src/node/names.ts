/**
 * Host-wide names of the agent's kernel objects. Interface names are limited
 * to 15 characters, so they are hashes; network namespace names are readable
 * (prefix_node_namespace_pod_uid8) and `_` (never part of a Kubernetes name)
 * separates the parts, so one node's objects are found by prefix without
 * matching another node's. Pure.
 */
import { createHash } from 'node:crypto';

function hex(s: string, n: number): string {
  return createHash('sha1').update(s).digest('hex').slice(0, n);
}

export interface RuntimeNames {
  /** Namespaces of this node start with this. */
  netnsPrefix: string;
  netns(namespace: string, name: string, uid: string): string;
  /** The node bridge. */
  bridge: string;
  /** The host end of a pod's veth. */
  veth(uid: string): string;
}

export function runtimeNames(prefix: string, nodeName: string): RuntimeNames {
  if (!/^[a-z0-9][a-z0-9-]*$/i.test(prefix)) throw new Error(`invalid name prefix "${prefix}": letters, digits and '-' only`);
  const netnsPrefix = `${prefix}_${nodeName}_`;
  return {
    netnsPrefix,
    netns(namespace, name, uid) {
      const full = `${netnsPrefix}${namespace}_${name}_${uid.slice(0, 8)}`;
      return full.length <= 200 ? full : `${netnsPrefix}${hex(`${namespace}/${name}`, 16)}_${uid.slice(0, 8)}`;
    },
    bridge: `sbr${hex(`${prefix}/${nodeName}`, 12)}`,
    veth: (uid) => `sbv${hex(`${prefix}/${nodeName}/${uid}`, 12)}`,
  };
}
