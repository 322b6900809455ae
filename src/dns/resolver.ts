/**
 * The pure resolver: (question, cluster view, options) → answer.
 *
 * Implements the Kubernetes DNS-Based Service Discovery specification
 * (kubernetes/dns docs/specification.md, schema 1.1.0) with CoreDNS's
 * kubernetes plugin as the reference where the spec leaves room
 * (plugin/kubernetes/{parse,kubernetes,reverse,handler}.go,
 * plugin/backend_lookup.go). Where this deviates from CoreDNS it says so.
 *
 * All rcode policy lives here: NXDOMAIN vs NODATA (both with the zone's SOA
 * in the authority section), SERVFAIL before the caches have synced, REFUSED
 * for zone transfers and non-IN classes, NOTIMP for ANY and meta types. Names
 * outside the zone come back as `forward`, and an ExternalName whose target is
 * outside the zone comes back with `chase` set: the wire server asks the
 * upstream resolvers (the only I/O) and appends their answer.
 *
 * Owner names keep the query's case; the zone part of targets keeps the
 * query's case too (CoreDNS handler.go: "maintain case of original query").
 */
import { Class, Rcode, Type, lowerName, splitName, type Question, type RR } from './wire.ts';
import type { ClusterView, EndpointEntry, PortEntry } from './view.ts';
import { canonicalIP, ipv6Bytes } from './ip.ts';

export type PodsMode = 'disabled' | 'insecure' | 'verified';

export interface ResolverOptions {
  /** The cluster domain, lower-case, no trailing dot (default cluster.local). */
  zone: string;
  /** TTL of every answer (CoreDNS `ttl`, default 5 s, 0–3600). */
  ttl: number;
  /** CoreDNS `pods` option (default disabled). */
  pods: PodsMode;
  /** Addresses of this DNS server (the kube-dns cluster IPs): ns.dns.<zone> and the NS glue. */
  nameservers: readonly string[];
  /** CoreDNS `endpoint_pod_names`: an endpoint without hostname is named after its pod. */
  endpointPodNames?: boolean;
  /** Names outside the zone are forwarded (false: REFUSED). */
  forward: boolean;
}

export const DEFAULT_ZONE = 'cluster.local';
export const DEFAULT_TTL = 5;
/** SPEC §2.2: the schema version this server implements, served as dns-version.<zone> TXT. */
export const DNS_SCHEMA_VERSION = '1.1.0';
/** CoreDNS serves dns-version with TTL 28800. */
const DNS_VERSION_TTL = 28800;

export const defaultResolverOptions = (o: Partial<ResolverOptions> = {}): ResolverOptions => ({
  zone: DEFAULT_ZONE,
  ttl: DEFAULT_TTL,
  pods: 'disabled',
  nameservers: [],
  forward: true,
  ...o,
});

export interface Answer {
  rcode: number;
  /** AA: this server is the authority (every in-zone answer). */
  authoritative: boolean;
  answer: RR[];
  authority: RR[];
  additional: RR[];
  /** Not in the zone: forward the question upstream (the other fields are unused). */
  forward?: boolean;
  /** The answer ends in a CNAME to a name outside the zone: resolve this upstream and append. */
  chase?: Question;
}

const MAX_CNAME_CHAIN = 8;

function empty(rcode: number, authoritative = false): Answer {
  return { rcode, authoritative, answer: [], authority: [], additional: [] };
}

/** A record the lookup found: an address (with the port it serves) or an ExternalName CNAME. */
type Rec =
  | { kind: 'ip'; ip: string; v6: boolean; port: number; key: string }
  | { kind: 'cname'; target: string }
  | { kind: 'txt'; text: string; ttl: number };

/** found=false: the name does not exist (NXDOMAIN); found with no recs: NODATA. */
interface Lookup {
  found: boolean;
  recs: Rec[];
}
const NX: Lookup = { found: false, recs: [] };
const NODATA: Lookup = { found: true, recs: [] };

/** CoreDNS endpointHostname: hostname, else (endpoint_pod_names) the pod name, else the dashed IP. */
export function endpointHostname(ep: EndpointEntry, podNames = false): string {
  if (ep.hostname) return ep.hostname;
  if (podNames && ep.podName && ep.podName.length < 64) return ep.podName;
  if (!ep.v6) return ep.ip.replaceAll('.', '-');
  const h = ep.ip.replaceAll(':', '-');
  return h.endsWith('-') ? `${h}0` : h;
}

function matchLabel(want: string, have: string): boolean {
  return want === '' || want === have;
}

/** The address a pod-record label names (CoreDNS findPods): 3 dashes and no "--" → IPv4, else dashes → colons. */
export function podLabelToIP(label: string): string | undefined {
  const dashes = label.split('-').length - 1;
  const ip = dashes === 3 && !label.includes('--') ? label.replaceAll('-', '.') : label.replaceAll('-', ':');
  return canonicalIP(ip);
}

/** The IP a reverse name (labels, lower-case, without the in-addr.arpa / ip6.arpa suffix) stands for. */
export function reverseToIP(labels: readonly string[], v6: boolean): string | undefined {
  if (!v6) {
    if (labels.length !== 4) return undefined;
    if (!labels.every((l) => /^(0|[1-9][0-9]{0,2})$/.test(l) && Number(l) <= 255)) return undefined;
    return [...labels].reverse().join('.');
  }
  if (labels.length !== 32 || !labels.every((l) => /^[0-9a-f]$/.test(l))) return undefined;
  const hex = [...labels].reverse().join('');
  const groups = hex.match(/.{4}/g)!.join(':');
  return canonicalIP(groups);
}

/** The reverse name of an IP (for tests and zone files): d.c.b.a.in-addr.arpa or the 32 nibbles of ip6.arpa. */
export function reverseName(ip: string): string {
  if (!ip.includes(':')) return `${ip.split('.').reverse().join('.')}.in-addr.arpa`;
  const b = ipv6Bytes(ip)!;
  const nibbles: string[] = [];
  for (const byte of b) nibbles.push((byte >> 4).toString(16), (byte & 0xf).toString(16));
  return `${nibbles.reverse().join('.')}.ip6.arpa`;
}

class ZoneResolver {
  private readonly zoneLabels: string[];

  constructor(
    private readonly view: ClusterView,
    private readonly o: ResolverOptions,
  ) {
    this.zoneLabels = o.zone ? o.zone.split('.') : [];
  }

  /** The number of leading labels before the zone, or -1 when `lower` is not in the zone. */
  relativeLength(lower: readonly string[]): number {
    const z = this.zoneLabels;
    if (lower.length < z.length) return -1;
    const off = lower.length - z.length;
    for (let i = 0; i < z.length; i++) if (lower[off + i] !== z[i]) return -1;
    return off;
  }

  soa(zoneOwner: string): RR {
    const ttl = Math.min(this.o.ttl, 300);
    return {
      name: zoneOwner,
      type: Type.SOA,
      class: Class.IN,
      ttl,
      data: {
        kind: 'soa',
        mname: zoneOwner ? `ns.dns.${zoneOwner}` : 'ns.dns',
        rname: zoneOwner ? `hostmaster.${zoneOwner}` : 'hostmaster',
        serial: this.view.serial >>> 0,
        refresh: 7200,
        retry: 1800,
        expire: 86400,
        minimum: this.o.ttl,
      },
    };
  }

  private negative(zoneOwner: string, rcode: number): Answer {
    return { rcode, authoritative: true, answer: [], authority: [this.soa(zoneOwner)], additional: [] };
  }

  private nsAddresses(owner: string, type: number | 'both'): RR[] {
    const out: RR[] = [];
    for (const ip of this.o.nameservers) {
      const v6 = ip.includes(':');
      if (type === Type.A && v6) continue;
      if (type === Type.AAAA && !v6) continue;
      out.push({ name: owner, type: v6 ? Type.AAAA : Type.A, class: Class.IN, ttl: this.o.ttl, data: { kind: 'ip', ip } });
    }
    return out;
  }

  /** What exists at a name relative to the zone (lower-case labels, zone stripped). */
  lookup(rel: readonly string[]): Lookup {
    const n = rel.length;
    if (n === 0) return NODATA; // apex: SOA/NS handled by the caller
    if (n === 1 && rel[0] === 'dns-version') return { found: true, recs: [{ kind: 'txt', text: DNS_SCHEMA_VERSION, ttl: DNS_VERSION_TTL }] };
    // ns.dns.<zone> (CoreDNS ns.go); "dns" itself is an empty non-terminal (CoreDNS: NXDOMAIN).
    if (n === 2 && rel[0] === 'ns' && rel[1] === 'dns') return { found: true, recs: this.o.nameservers.map((ip) => ({ kind: 'ip', ip, v6: ip.includes(':'), port: -1, key: 'ns.dns' })) };
    if (n === 1 && rel[0] === 'dns') return NODATA;
    const kind = rel[n - 1];
    if (kind !== 'svc' && kind !== 'pod') return NX; // parse.go: errInvalidRequest
    if (n === 1) return NODATA; // svc.<zone>, pod.<zone>
    const ns = rel[n - 2];
    if (kind === 'pod') return this.pods(rel, ns);
    if (!this.view.hasNamespace(ns)) return NX;
    if (n === 2) return NODATA; // <ns>.svc.<zone>
    const svc = rel[n - 3];
    if (n === 3) return this.services(ns, svc, '', '', '');
    if (n === 4) return this.services(ns, svc, rel[0], '', '');
    if (n === 5) {
      // SPEC: _<port>._<proto>.<svc>…; CoreDNS also accepts the labels without "_", the spec form is required here.
      const [p, proto] = rel;
      if (p.length < 2 || proto.length < 2 || p[0] !== '_' || proto[0] !== '_') return NX;
      return this.services(ns, svc, '', p.slice(1), proto.slice(1));
    }
    return NX; // too many labels
  }

  private pods(rel: readonly string[], ns: string): Lookup {
    const mode = this.o.pods;
    if (mode === 'disabled') return NX; // CoreDNS findPods: disabled → errNoItems
    if (!this.view.hasNamespace(ns)) return NX;
    if (rel.length === 2) return NODATA;
    if (rel.length !== 3) return NX; // CoreDNS would ignore the extra labels; they name nothing
    const ip = podLabelToIP(rel[0]);
    if (!ip) return NX;
    if (mode === 'verified' && !this.view.podHasIP(ns, ip)) return NX;
    return { found: true, recs: [{ kind: 'ip', ip, v6: ip.includes(':'), port: -1, key: `${rel[0]}.${ns}.pod` }] };
  }

  /** CoreDNS findServices for one namespace/name. */
  private services(ns: string, name: string, endpoint: string, port: string, proto: string): Lookup {
    const svc = this.view.service(ns, name);
    if (!svc) return NX;
    const matches = (p: PortEntry) => matchLabel(port, p.name) && matchLabel(proto, p.protocol.toLowerCase());
    if (svc.kind === 'ExternalName') {
      // External services have no endpoints and no ports (CoreDNS: NXDOMAIN for x.<svc> and _p._proto.<svc>).
      if (endpoint || port || proto) return NX;
      // An ExternalName that parses as an IP is not a host name: CoreDNS serves nothing for it.
      if (!svc.externalName || canonicalIP(svc.externalName)) return NX;
      return { found: true, recs: [{ kind: 'cname', target: svc.externalName }] };
    }
    const recs: Rec[] = [];
    let found = false;
    if (svc.kind === 'Headless' || endpoint) {
      for (const ep of this.view.endpoints(ns, name)) {
        const host = endpointHostname(ep, this.o.endpointPodNames);
        if (endpoint && endpoint !== host) continue;
        for (const p of ep.ports) {
          if (!matches(p)) continue;
          found = true;
          recs.push({ kind: 'ip', ip: ep.ip, v6: ep.v6, port: p.port, key: `${host}.${name}.${ns}.svc` });
        }
      }
      // SPEC §2.4.1: a headless Service with no ready endpoints has no records: NXDOMAIN.
      return found ? { found, recs } : NX;
    }
    for (const p of svc.ports) {
      if (!matches(p)) continue;
      found = true;
      for (const ip of svc.clusterIPs) recs.push({ kind: 'ip', ip, v6: ip.includes(':'), port: p.port, key: `${name}.${ns}.svc` });
    }
    return found ? { found, recs } : NX;
  }

  /** Answers a question whose name is in the zone (`rel` = lower-case labels before the zone). */
  answer(q: Question, labels: readonly string[], lower: readonly string[], relLen: number, depth: number, seen: Set<string>): Answer {
    const zoneOwner = labels.slice(relLen).join('.');
    const rel = lower.slice(0, relLen);
    const ttl = this.o.ttl;
    if (!this.view.synced) return empty(Rcode.SERVFAIL); // CoreDNS: SERVFAIL instead of NXDOMAIN until synced
    if (rel.length === 0) {
      if (q.type === Type.SOA) return { rcode: Rcode.NOERROR, authoritative: true, answer: [this.soa(q.name)], authority: [], additional: [] };
      if (q.type === Type.NS) {
        const ns = zoneOwner ? `ns.dns.${zoneOwner}` : 'ns.dns';
        return {
          rcode: Rcode.NOERROR,
          authoritative: true,
          answer: [{ name: q.name, type: Type.NS, class: Class.IN, ttl, data: { kind: 'name', name: ns } }],
          authority: [],
          additional: this.nsAddresses(ns, 'both'),
        };
      }
      return this.negative(zoneOwner, Rcode.NOERROR);
    }
    const look = this.lookup(rel);
    if (!look.found) return this.negative(zoneOwner, Rcode.NXDOMAIN);
    const recs = look.recs;
    const cname = recs.find((r) => r.kind === 'cname');
    if (cname && cname.kind === 'cname') {
      const rr: RR = { name: q.name, type: Type.CNAME, class: Class.IN, ttl, data: { kind: 'name', name: cname.target } };
      if (q.type === Type.CNAME) return { rcode: Rcode.NOERROR, authoritative: true, answer: [rr], authority: [], additional: [] };
      if (q.type === Type.SRV) return this.negative(zoneOwner, Rcode.NOERROR); // CoreDNS: SRV for an ExternalName is NODATA
      return this.chase(q, rr, cname.target, depth, seen);
    }
    const answer: RR[] = [];
    const additional: RR[] = [];
    switch (q.type) {
      case Type.A:
      case Type.AAAA: {
        const v6 = q.type === Type.AAAA;
        const dup = new Set<string>();
        for (const r of recs) {
          if (r.kind !== 'ip' || r.v6 !== v6 || dup.has(r.ip)) continue; // backend_lookup.go: one record per IP
          dup.add(r.ip);
          answer.push({ name: q.name, type: q.type, class: Class.IN, ttl, data: { kind: 'ip', ip: r.ip } });
        }
        break;
      }
      case Type.TXT:
        for (const r of recs) {
          if (r.kind === 'txt') answer.push({ name: q.name, type: Type.TXT, class: Class.IN, ttl: r.ttl, data: { kind: 'txt', strings: [r.text] } });
        }
        break;
      case Type.SRV: {
        // backend_lookup.go SRV: priority 0, weight = floor(100 / number of backing records), at least 1;
        // duplicate (target, port) SRV records and (target, address) extras are dropped.
        const ipRecs = recs.filter((r): r is Extract<Rec, { kind: 'ip' }> => r.kind === 'ip');
        const weight = Math.max(1, Math.floor(100 / Math.max(1, ipRecs.length)));
        const srvSeen = new Set<string>();
        const extraSeen = new Set<string>();
        for (const r of ipRecs) {
          if (r.port < 0) continue; // no declared port: no SRV
          const target = `${r.key}.${zoneOwner}`;
          const sk = `${target}|${r.port}`;
          if (!srvSeen.has(sk)) {
            srvSeen.add(sk);
            answer.push({ name: q.name, type: Type.SRV, class: Class.IN, ttl, data: { kind: 'srv', priority: 0, weight, port: r.port, target } });
          }
          const ek = `${target}|${r.ip}`;
          if (!extraSeen.has(ek)) {
            extraSeen.add(ek);
            additional.push({ name: target, type: r.v6 ? Type.AAAA : Type.A, class: Class.IN, ttl, data: { kind: 'ip', ip: r.ip } });
          }
        }
        break;
      }
      default:
        break; // the name exists; no records of this type: NODATA
    }
    if (answer.length === 0) return this.negative(zoneOwner, Rcode.NOERROR);
    return { rcode: Rcode.NOERROR, authoritative: true, answer, authority: [], additional };
  }

  /** CNAME + the target's records: in-zone targets are resolved here, others are left to the server. */
  private chase(q: Question, rr: RR, target: string, depth: number, seen: Set<string>): Answer {
    const tLabels = splitName(target);
    const tLower = tLabels.map((l) => l.toLowerCase());
    const key = tLower.join('.');
    const relLen = this.relativeLength(tLower);
    if (relLen < 0) return { rcode: Rcode.NOERROR, authoritative: true, answer: [rr], authority: [], additional: [], chase: { name: target, type: q.type, class: q.class } };
    if (depth >= MAX_CNAME_CHAIN || seen.has(key)) return { rcode: Rcode.NOERROR, authoritative: true, answer: [rr], authority: [], additional: [] };
    seen.add(key);
    const next = this.answer({ name: target, type: q.type, class: q.class }, tLabels, tLower, relLen, depth + 1, seen);
    return { ...next, answer: [rr, ...next.answer], authoritative: true };
  }

  /** PTR for a cluster IP or a ready endpoint IP (CoreDNS reverse.go serviceRecordForIP), or undefined. */
  reverse(q: Question, ip: string): Answer | undefined {
    const ttl = this.o.ttl;
    const zone = this.o.zone;
    const svcs = this.view.servicesByIP(ip);
    const rr = (target: string): RR => ({ name: q.name, type: Type.PTR, class: Class.IN, ttl, data: { kind: 'name', name: target } });
    // A cluster IP names only its Service (the first one, as CoreDNS).
    if (svcs.length) return { rcode: Rcode.NOERROR, authoritative: true, answer: [rr(`${svcs[0].name}.${svcs[0].namespace}.svc.${zone}`)], authority: [], additional: [] };
    const answer: RR[] = [];
    const dup = new Set<string>();
    for (const e of this.view.endpointsByIP(ip)) {
      const t = `${endpointHostname(e.endpoint, this.o.endpointPodNames)}.${e.service}.${e.namespace}.svc.${zone}`;
      if (dup.has(t)) continue;
      dup.add(t);
      answer.push(rr(t));
    }
    return answer.length ? { rcode: Rcode.NOERROR, authoritative: true, answer, authority: [], additional: [] } : undefined;
  }
}

/** Meta and unsupported query types (RFC 6895 §3.1). */
function typePolicy(type: number): number | undefined {
  if (type === Type.AXFR || type === Type.IXFR) return Rcode.REFUSED; // CoreDNS kubernetes: no transfers
  if (type === Type.ANY) return Rcode.NOTIMP; // RFC 8482 permits refusing ANY
  if (type === 0 || type === Type.OPT) return Rcode.FORMERR;
  if (type >= 128 && type <= 254) return Rcode.NOTIMP; // TKEY, TSIG, MAILA, MAILB, …
  return undefined;
}

/**
 * Answers one question. Pure and deterministic for a given view; never throws
 * for any question the wire parser accepts.
 */
export function resolve(q: Question, view: ClusterView, o: ResolverOptions): Answer {
  if (q.class !== Class.IN) return empty(Rcode.REFUSED);
  const policy = typePolicy(q.type);
  if (policy !== undefined) return empty(policy);
  const labels = splitName(q.name);
  const lower = labels.map((l) => l.toLowerCase());
  const z = new ZoneResolver(view, o);
  const relLen = z.relativeLength(lower);
  if (relLen >= 0) return z.answer(q, labels, lower, relLen, 0, new Set([lowerName(q.name)]));
  // Reverse zones: ours for cluster and endpoint IPs, everything else falls through upstream
  // (the default Corefile's `kubernetes … in-addr.arpa ip6.arpa { fallthrough in-addr.arpa ip6.arpa }`).
  const n = lower.length;
  if (q.type === Type.PTR && n >= 2 && lower[n - 1] === 'arpa' && (lower[n - 2] === 'in-addr' || lower[n - 2] === 'ip6') && view.synced) {
    const ip = reverseToIP(lower.slice(0, n - 2), lower[n - 2] === 'ip6');
    const a = ip ? z.reverse(q, ip) : undefined;
    if (a) return a;
  }
  if (!o.forward) return empty(Rcode.REFUSED);
  return { ...empty(Rcode.NOERROR), forward: true };
}
