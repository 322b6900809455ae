/**
 * The benchmark cluster: N namespaces × M Services (ClusterIP with two named
 * ports, every fifth one headless with three ready endpoints that have
 * hostnames), the dnsperf query mix over it, and the same records as a zone
 * file for the C reference server.
 */
import type { EndpointSlice, Service } from '../../src/api/types.ts';
import { reverseName } from '../../src/dns/index.ts';
import { prng } from '../../test/helpers/prng.ts';

export interface BenchService {
  ns: string;
  name: string;
  headless: boolean;
  /** ClusterIP (ClusterIP Services) or endpoint IPs (headless). */
  ips: string[];
  hostnames: string[];
}

export interface BenchCluster {
  namespaces: string[];
  services: BenchService[];
}

const PORTS = [
  { name: 'http', port: 80, protocol: 'TCP' as const },
  { name: 'metrics', port: 9090, protocol: 'TCP' as const },
];

export function benchCluster(namespaces: number, perNamespace: number): BenchCluster {
  const nss = Array.from({ length: namespaces }, (_, i) => `team-${i}`);
  const services: BenchService[] = [];
  let vip = 0;
  let ep = 0;
  for (const ns of nss) {
    for (let j = 0; j < perNamespace; j++) {
      const headless = j % 5 === 4;
      if (headless) {
        const ips = [0, 1, 2].map(() => {
          ep++;
          return `127.244.${100 + Math.floor(ep / 250)}.${(ep % 250) + 1}`;
        });
        services.push({ ns, name: `db-${j}`, headless, ips, hostnames: ips.map((_, k) => `db-${j}-${k}`) });
      } else {
        vip++;
        services.push({ ns, name: `svc-${j}`, headless, ips: [`127.96.${10 + Math.floor(vip / 250)}.${(vip % 250) + 1}`], hostnames: [] });
      }
    }
  }
  return { namespaces: nss, services };
}

export function serviceObject(s: BenchService): Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { namespace: s.ns, name: s.name },
    spec: {
      type: 'ClusterIP',
      clusterIP: s.headless ? 'None' : s.ips[0],
      clusterIPs: s.headless ? ['None'] : [s.ips[0]],
      selector: { app: s.name },
      ports: PORTS.map((p) => ({ ...p, targetPort: p.port })),
    },
  };
}

export function sliceObject(s: BenchService): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { namespace: s.ns, name: `${s.name}-a`, labels: { 'kubernetes.io/service-name': s.name } },
    addressType: 'IPv4',
    endpoints: s.ips.map((ip, k) => ({ addresses: [ip], hostname: s.hostnames[k], conditions: { ready: true } })),
    ports: PORTS.map((p) => ({ name: p.name, port: p.port, protocol: p.protocol })),
  };
}

export const MIX = [
  { kind: 'A hit (ClusterIP)', share: 0.3 },
  { kind: 'A hit (headless)', share: 0.1 },
  { kind: 'AAAA NODATA', share: 0.1 },
  { kind: 'search-path NXDOMAIN (A/AAAA)', share: 0.3 },
  { kind: 'SRV', share: 0.1 },
  { kind: 'PTR', share: 0.1 },
] as const;

/** dnsperf input lines ("name type"), `n` of them, in the MIX proportions. */
export function queryMix(c: BenchCluster, n: number, zone = 'cluster.local'): string[] {
  const rnd = prng(42);
  const pick = <T>(xs: T[]) => xs[Math.floor(rnd() * xs.length)];
  const clusterIPs = c.services.filter((s) => !s.headless);
  const headless = c.services.filter((s) => s.headless);
  const fq = (s: BenchService) => `${s.name}.${s.ns}.svc.${zone}`;
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    let r = rnd();
    let kind = MIX[0].kind as string;
    for (const m of MIX) {
      if (r < m.share) {
        kind = m.kind;
        break;
      }
      r -= m.share;
    }
    switch (kind) {
      case 'A hit (ClusterIP)':
        out.push(`${fq(pick(clusterIPs))} A`);
        break;
      case 'A hit (headless)':
        out.push(`${fq(pick(headless))} A`);
        break;
      case 'AAAA NODATA':
        out.push(`${fq(pick(clusterIPs))} AAAA`);
        break;
      case 'search-path NXDOMAIN (A/AAAA)': {
        // What ndots:5 makes a pod in namespace `from` ask before the real name.
        const s = pick(c.services);
        const from = pick(c.namespaces);
        const suffix = pick([`${from}.svc.${zone}`, `svc.${zone}`, zone]);
        out.push(`${fq(s)}.${suffix} ${rnd() < 0.5 ? 'A' : 'AAAA'}`);
        break;
      }
      case 'SRV':
        out.push(`_http._tcp.${fq(pick(c.services))} SRV`);
        break;
      default: {
        const s = pick(c.services);
        out.push(`${reverseName(pick(s.ips))} PTR`);
      }
    }
  }
  return out;
}

/**
 * The same records as RFC 1035 zone files (what the kubernetes plugin would
 * answer for these names), for the reference server: forward zone plus the
 * two reverse zones.
 */
export function zoneFiles(c: BenchCluster, zone = 'cluster.local', ttl = 5): { name: string; text: string }[] {
  const soa = (origin: string) => `$ORIGIN ${origin}.\n$TTL ${ttl}\n@ SOA ns.dns.${zone}. hostmaster.${zone}. 1 7200 1800 86400 ${ttl}\n@ NS ns.dns.${zone}.\n`;
  const f: string[] = [soa(zone), `ns.dns A 127.96.0.10\ndns-version TXT "1.1.0"\n`];
  const rev = new Map<string, string[]>();
  const addPtr = (ip: string, target: string) => {
    const [a, b] = ip.split('.');
    const z = `${b}.${a}.in-addr.arpa`;
    if (!rev.has(z)) rev.set(z, [soa(z)]);
    rev.get(z)!.push(`${reverseName(ip)}. PTR ${target}.`);
  };
  for (const s of c.services) {
    const base = `${s.name}.${s.ns}.svc`;
    if (s.headless) {
      s.ips.forEach((ip, k) => {
        f.push(`${base} A ${ip}`, `${s.hostnames[k]}.${base} A ${ip}`);
        addPtr(ip, `${s.hostnames[k]}.${base}.${zone}`);
      });
      const w = Math.floor(100 / (s.ips.length * PORTS.length));
      for (const p of PORTS) {
        s.hostnames.forEach((h) => f.push(`_${p.name}._tcp.${base} SRV 0 ${w} ${p.port} ${h}.${base}.${zone}.`));
      }
    } else {
      f.push(`${base} A ${s.ips[0]}`);
      for (const p of PORTS) f.push(`_${p.name}._tcp.${base} SRV 0 100 ${p.port} ${base}.${zone}.`);
      addPtr(s.ips[0], `${base}.${zone}`);
    }
  }
  return [{ name: zone, text: f.join('\n') + '\n' }, ...[...rev].map(([name, lines]) => ({ name, text: lines.join('\n') + '\n' }))];
}
