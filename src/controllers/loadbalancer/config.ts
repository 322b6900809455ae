/**
 * The LoadBalancer pool config file (`--lb-pool-config FILE`), YAML or JSON:
 *
 *   pools: ["127.240.0.0/16", "10.0.0.10-10.0.0.20"]
 *   className: switchboard.dev/lb        # optional
 *
 * MetalLB `IPAddressPool` manifests (one or several YAML documents, kind
 * IPAddressPool, spec.addresses) are accepted too, so an existing MetalLB
 * config can be reused. Every address is validated (parsePool).
 */
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import { parsePool, PoolConfigError } from './pools.ts';

export interface PoolConfig {
  pools: string[];
  className?: string;
}

export function parsePoolConfig(text: string, source = 'pool config'): PoolConfig {
  let docs: unknown[];
  try {
    docs = parseAllDocuments(text).map((d) => {
      if (d.errors.length) throw new Error(d.errors[0]!.message);
      return d.toJS() as unknown;
    });
  } catch (e) {
    throw new PoolConfigError(`${source}: not valid YAML or JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
  const pools: string[] = [];
  let className: string | undefined;
  for (const doc of docs) {
    if (doc === null || doc === undefined) continue;
    if (typeof doc !== 'object' || Array.isArray(doc)) throw new PoolConfigError(`${source}: expected a mapping with "pools"`);
    const o = doc as Record<string, unknown>;
    if (o['kind'] === 'IPAddressPool') {
      const addrs = (o['spec'] as { addresses?: unknown } | undefined)?.addresses;
      if (!Array.isArray(addrs)) throw new PoolConfigError(`${source}: IPAddressPool without spec.addresses`);
      pools.push(...addrs.map(String));
      continue;
    }
    if (!Array.isArray(o['pools'])) throw new PoolConfigError(`${source}: "pools" must be a list of CIDRs or ranges`);
    pools.push(...(o['pools'] as unknown[]).map(String));
    if (o['className'] !== undefined) {
      if (typeof o['className'] !== 'string' || !o['className']) throw new PoolConfigError(`${source}: "className" must be a non-empty string`);
      className = o['className'];
    }
  }
  if (pools.length === 0) throw new PoolConfigError(`${source}: no pools`);
  for (const p of pools) parsePool(p);
  return className === undefined ? { pools } : { pools, className };
}

export function readPoolConfig(path: string): PoolConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new PoolConfigError(`cannot read pool config ${path}: ${e instanceof Error ? e.message : String(e)}`);
  }
  return parsePoolConfig(text, path);
}
