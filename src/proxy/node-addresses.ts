/**
 * Which addresses belong to this machine (a userspace proxy can only listen
 * on those). All of 127.0.0.0/8 is local on Linux (`local 127.0.0.0/8 dev lo`
 * in the local routing table), so every loopback address counts.
 */
import { networkInterfaces } from 'node:os';

export function localAddresses(): string[] {
  const out: string[] = [];
  for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) out.push(a.address);
  return out;
}

export function isLocalAddress(ip: string, local: ReadonlySet<string> = new Set(localAddresses())): boolean {
  return /^127\./.test(ip) || ip === '::1' || local.has(ip);
}
