/**
 * A packet tracer over parsed iptables-restore text: follows a new
 * connection's first packet through the nat table (KUBE-SERVICES from
 * PREROUTING or OUTPUT) and then the filter table (INPUT, FORWARD or OUTPUT,
 * after DNAT), with the jumps of jumpRules, and returns every possible
 * outcome with its probability (`-m statistic` branches both ways).
 *
 * Understood: -s/-d (with !), -p, --dport, -m addrtype --src-type/--dst-type
 * LOCAL, -m statistic --probability, -m recent --rcheck (true when the
 * packet's `recent` lists hold the name), -m mark, -m conntrack --ctstate
 * (the packet is NEW), and the targets ACCEPT DROP REJECT RETURN MARK DNAT
 * MASQUERADE and user chains. Anything else fails the test loudly.
 */
import { cidrMatcher } from '../../../src/proxy/cidr.ts';
import { jumpRules } from '../../../src/proxy/iptables/renderer.ts';
import type { ChainNames } from '../../../src/proxy/iptables/names.ts';

interface Rule {
  line: string;
  conds: ((p: Packet, st: State) => boolean)[];
  probability: number;
  recentSet?: string;
  target: string;
  targetArgs: string[];
}

type Tables = Map<string, Map<string, Rule[]>>;

export interface Packet {
  src: string;
  dst: string;
  proto: 'tcp' | 'udp' | 'sctp';
  dport: number;
  /** pod/external: arrives from outside the node (PREROUTING); local: sent by the node itself (OUTPUT). */
  from: 'remote' | 'local';
  /** The node's addresses (addrtype LOCAL). */
  localAddrs: readonly string[];
  /** Names of `recent` lists that hold the source address (ClientIP affinity). */
  recent?: readonly string[];
}

interface State {
  marked: boolean;
  p: number;
  dnat?: string;
  dst: string;
  dport: number;
}

export type Verdict = 'ACCEPT' | 'DROP' | 'REJECT';
export interface Outcome {
  /** `ip:port` after DNAT, or the verdict. */
  to: string | Verdict;
  masquerade: boolean;
  p: number;
}

function tokenize(line: string): string[] {
  const out: string[] = [];
  const re = /"([^"]*)"|(\S+)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(line))) out.push(m[1] ?? m[2]);
  return out;
}

const cidr = (s: string) => (s.includes('/') ? s : s.includes(':') ? `${s}/128` : `${s}/32`);

function parseRule(line: string): { chain: string; rule: Rule } {
  const t = tokenize(line);
  if (t[0] !== '-A' && t[0] !== '-I') throw new Error(`tracer: cannot parse ${line}`);
  const chain = t[1];
  let i = t[0] === '-I' ? 3 : 2;
  const rule: Rule = { line, conds: [], probability: 1, target: '', targetArgs: [] };
  let neg = false;
  const cond = (f: (p: Packet, st: State) => boolean) => {
    const n = neg;
    rule.conds.push(n ? (p, s) => !f(p, s) : f);
    neg = false;
  };
  while (i < t.length) {
    const a = t[i++];
    switch (a) {
      case '!':
        neg = true;
        break;
      case '-s': {
        const m = cidrMatcher([cidr(t[i++])]);
        cond((p) => m(p.src));
        break;
      }
      case '-d': {
        const m = cidrMatcher([cidr(t[i++])]);
        cond((_p, s) => m(s.dst));
        break;
      }
      case '-p': {
        const proto = t[i++];
        cond((p) => p.proto === proto);
        break;
      }
      case '--dport': {
        const port = Number(t[i++]);
        cond((_p, s) => s.dport === port);
        break;
      }
      case '-m': {
        const mod = t[i++];
        if (!['tcp', 'udp', 'sctp', 'comment', 'addrtype', 'statistic', 'recent', 'mark', 'conntrack'].includes(mod)) throw new Error(`tracer: module ${mod} in ${line}`);
        break;
      }
      case '--comment':
        i++;
        break;
      case '--dst-type': {
        if (t[i++] !== 'LOCAL') throw new Error(`tracer: ${line}`);
        cond((p, s) => p.localAddrs.includes(s.dst));
        break;
      }
      case '--src-type': {
        if (t[i++] !== 'LOCAL') throw new Error(`tracer: ${line}`);
        cond((p) => p.from === 'local' || p.localAddrs.includes(p.src));
        break;
      }
      case '--mode':
        if (t[i++] !== 'random') throw new Error(`tracer: ${line}`);
        break;
      case '--probability':
        rule.probability = Number(t[i++]);
        break;
      case '--name': {
        const name = t[i++];
        const op = t[i++];
        if (op === '--set') rule.recentSet = name;
        else if (op === '--rcheck') {
          cond((p) => (p.recent ?? []).includes(name));
          if (t[i] === '--seconds') i += 2;
          if (t[i] === '--reap') i++;
        } else throw new Error(`tracer: recent ${op} in ${line}`);
        break;
      }
      case '--mark': {
        i++; // our only mark is the masquerade bit
        cond((_p, s) => s.marked);
        break;
      }
      case '--ctstate': {
        const states = t[i++].split(',');
        cond(() => states.includes('NEW'));
        break;
      }
      case '-j':
        rule.target = t[i++];
        rule.targetArgs = t.slice(i);
        i = t.length;
        break;
      default:
        throw new Error(`tracer: unknown argument ${a} in ${line}`);
    }
  }
  return { chain, rule };
}

/** Parses restore text (any number of tables) plus the jumps from the built-in chains. */
export function parseRestore(text: string, names: ChainNames): Tables {
  const tables: Tables = new Map();
  let cur: Map<string, Rule[]> | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line === 'COMMIT') continue;
    if (line.startsWith('*')) {
      cur = tables.get(line.slice(1)) ?? new Map();
      tables.set(line.slice(1), cur);
      continue;
    }
    if (!cur) throw new Error(`tracer: rule outside a table: ${line}`);
    if (line.startsWith(':')) {
      cur.set(line.slice(1).split(' ')[0], []);
      continue;
    }
    if (line.startsWith('-X')) {
      cur.delete(line.split(' ')[1]);
      continue;
    }
    const { chain, rule } = parseRule(line);
    if (!cur.has(chain)) throw new Error(`tracer: rule for undeclared chain ${chain}`);
    cur.get(chain)!.push(rule);
  }
  // Built-in chains: the jumps, each prepended (so the last of the list comes first).
  for (const j of jumpRules(names.top)) {
    const t = tables.get(j.table);
    if (!t) continue;
    const list = t.get(j.chain) ?? [];
    list.unshift(parseRule(`-A ${j.chain} ${j.spec}`).rule);
    t.set(j.chain, list);
  }
  return tables;
}

type Step = { st: State; end: 'fallthrough' | Verdict | 'DNAT' };

function runChain(tables: Tables, table: string, chain: string, pkt: Packet, st: State, depth = 0): Step[] {
  const rules = tables.get(table)?.get(chain);
  if (!rules) {
    if (['PREROUTING', 'OUTPUT', 'INPUT', 'FORWARD', 'POSTROUTING'].includes(chain)) return [{ st, end: 'fallthrough' }];
    throw new Error(`tracer: jump to missing chain ${table}/${chain}`);
  }
  if (depth > 20) throw new Error('tracer: loop');
  const from = (i: number, s: State): Step[] => {
    if (i === rules.length || s.p === 0) return [{ st: s, end: 'fallthrough' }];
    const r = rules[i];
    const ok = r.conds.every((c) => c(pkt, s));
    const pm = ok ? r.probability : 0;
    const out: Step[] = [];
    if (pm < 1) out.push(...from(i + 1, { ...s, p: s.p * (1 - pm) }));
    if (pm > 0) {
      const m: State = { ...s, p: s.p * pm };
      switch (r.target) {
        case '':
          out.push(...from(i + 1, m));
          break;
        case 'MARK':
          m.marked = r.targetArgs[0] === '--or-mark';
          out.push(...from(i + 1, m));
          break;
        case 'RETURN':
          out.push({ st: m, end: 'fallthrough' });
          break;
        case 'ACCEPT':
        case 'DROP':
        case 'REJECT':
          out.push({ st: m, end: r.target });
          break;
        case 'MASQUERADE':
          out.push({ st: m, end: 'ACCEPT' });
          break;
        case 'DNAT': {
          const to = r.targetArgs[r.targetArgs.indexOf('--to-destination') + 1];
          const at = to.lastIndexOf(':');
          m.dnat = to;
          m.dst = to.slice(0, at).replace(/^\[|\]$/g, '');
          m.dport = Number(to.slice(at + 1));
          out.push({ st: m, end: 'DNAT' });
          break;
        }
        default:
          for (const sub of runChain(tables, table, r.target, pkt, m, depth + 1)) {
            if (sub.end === 'fallthrough') out.push(...from(i + 1, sub.st));
            else out.push(sub);
          }
      }
    }
    return out;
  };
  return from(0, st);
}

/** Every outcome of the packet's first packet, merged by (to, masquerade), sorted by `to`. */
export function trace(tables: Tables, pkt: Packet): Outcome[] {
  const start: State = { marked: false, p: 1, dst: pkt.dst, dport: pkt.dport };
  const merged = new Map<string, Outcome>();
  for (const n of runChain(tables, 'nat', pkt.from === 'local' ? 'OUTPUT' : 'PREROUTING', pkt, start)) {
    const hook = pkt.from === 'local' ? 'OUTPUT' : pkt.localAddrs.includes(n.st.dst) ? 'INPUT' : 'FORWARD';
    for (const f of runChain(tables, 'filter', hook, pkt, n.st)) {
      const verdict = f.end === 'DROP' || f.end === 'REJECT' ? f.end : undefined;
      const to = verdict ?? f.st.dnat ?? 'ACCEPT';
      const masquerade = !verdict && f.st.marked;
      const k = `${to}|${masquerade}`;
      const o = merged.get(k) ?? { to, masquerade, p: 0 };
      o.p += f.st.p;
      merged.set(k, o);
    }
  }
  return [...merged.values()].sort((a, b) => (a.to < b.to ? -1 : a.to > b.to ? 1 : 0));
}

/** Outcomes as `to (p=0.33, masq)` strings with rounded probabilities, for compact assertions. */
export function summary(outcomes: Outcome[]): string[] {
  return outcomes.map((o) => `${o.to}${o.p < 0.9995 ? ` p=${o.p.toFixed(3)}` : ''}${o.masquerade ? ' masq' : ''}`);
}
