/**
 * A model of the nftables kernel state for the subset of nft syntax the
 * renderer writes, and a packet tracer over it. Applying text checks what the
 * kernel would refuse (a rule or element naming a missing chain or set,
 * deleting a chain or set still referenced, deleting a missing element), so
 * the tests catch ordering bugs in incremental transactions, not only wrong
 * rules.
 *
 * trace({ src, dst, proto, port }) walks the hooks the way a packet does:
 * filter-prerouting (firewall), nat-prerouting (service dispatch, DNAT), then
 * filter-forward / filter-input (no-endpoint REJECT/DROP, unknown ClusterIP
 * ports). `numgen` rules branch, so the result lists every endpoint the
 * packet can reach, each with whether it would be masqueraded.
 */
import { cidrMatcher } from '../../../src/proxy/cidr.ts';

export interface NftTable {
  chains: Map<string, string[]>;
  /** Sets and maps, by name: element key → value ("" for a set element). */
  containers: Map<string, Map<string, string>>;
}

export class NftModel {
  readonly tables = new Map<string, NftTable>();

  /** Applies one `nft -f` transaction; throws where the kernel would (the model is then undefined, as a failed batch is rolled back in the kernel). */
  apply(text: string): void {
    const lines = text.split('\n');
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!.trim();
      if (!line || line.startsWith('#')) continue;
      let m: RegExpExecArray | null;
      if ((m = /^add table (\S+ \S+)$/.exec(line))) {
        if (!this.tables.has(m[1]!)) this.tables.set(m[1]!, { chains: new Map(), containers: new Map() });
      } else if ((m = /^delete table (\S+ \S+)$/.exec(line))) {
        if (!this.tables.delete(m[1]!)) throw new Error(`delete table ${m[1]}: no such table`);
      } else if ((m = /^flush table (\S+ \S+)$/.exec(line))) {
        for (const rules of this.table(m[1]!).chains.values()) rules.length = 0;
      } else if ((m = /^table (\S+ \S+) \{$/.exec(line))) {
        i = this.block(m[1]!, lines, i + 1);
      } else if ((m = /^flush (?:set|map) (\S+ \S+) (\S+)$/.exec(line))) {
        this.container(m[1]!, m[2]!).clear();
      } else if ((m = /^(add|delete) element (\S+ \S+) (\S+) \{(.*)$/.exec(line))) {
        let body = m[4]!;
        while (!body.trimEnd().endsWith('}')) body += ` ${lines[++i]!.trim()}`;
        const items = body.trim().replace(/\}$/, '').split(',').map((s) => s.trim()).filter(Boolean);
        const c = this.container(m[2]!, m[3]!);
        for (const item of items) {
          const [key, value = ''] = item.split(' : ');
          if (m[1] === 'add') {
            this.checkVerdict(m[2]!, value);
            c.set(key!, value);
          } else if (!c.delete(key!)) throw new Error(`delete element ${key}: no such element`);
        }
      } else if ((m = /^add chain (\S+ \S+) (\S+)(?: \{ (.*); \})?$/.exec(line))) {
        const t = this.table(m[1]!);
        if (!t.chains.has(m[2]!)) t.chains.set(m[2]!, []);
        for (const rule of m[3]?.split('; ') ?? []) {
          this.checkRule(m[1]!, rule);
          t.chains.get(m[2]!)!.push(rule);
        }
      } else if ((m = /^flush chain (\S+ \S+) (\S+)$/.exec(line))) {
        this.chain(m[1]!, m[2]!).length = 0;
      } else if ((m = /^add rule (\S+ \S+) (\S+) (.*)$/.exec(line))) {
        this.checkRule(m[1]!, m[3]!);
        this.chain(m[1]!, m[2]!).push(m[3]!);
      } else if ((m = /^delete chain (\S+ \S+) (\S+)$/.exec(line))) {
        const rules = this.chain(m[1]!, m[2]!);
        if (rules.length) throw new Error(`delete chain ${m[2]}: not empty`);
        if (this.references(m[1]!, m[2]!)) throw new Error(`delete chain ${m[2]}: still referenced`);
        this.table(m[1]!).chains.delete(m[2]!);
      } else if ((m = /^add set (\S+ \S+) (\S+) \{/.exec(line))) {
        const t = this.table(m[1]!);
        if (!t.containers.has(m[2]!)) t.containers.set(m[2]!, new Map());
      } else if ((m = /^delete set (\S+ \S+) (\S+)$/.exec(line))) {
        this.container(m[1]!, m[2]!);
        if (this.references(m[1]!, `@${m[2]}`)) throw new Error(`delete set ${m[2]}: still referenced`);
        this.table(m[1]!).containers.delete(m[2]!);
      } else {
        throw new Error(`model: unsupported statement: ${line}`);
      }
    }
  }

  private block(table: string, lines: string[], i: number): number {
    const t = this.table(table);
    for (; i < lines.length; i++) {
      const line = lines[i]!.trim();
      if (line === '}') return i;
      let m: RegExpExecArray | null;
      if ((m = /^(?:set|map) (\S+) \{.*\}$/.exec(line))) {
        if (!t.containers.has(m[1]!)) t.containers.set(m[1]!, new Map());
      } else if ((m = /^chain (\S+) \{$/.exec(line))) {
        const name = m[1]!;
        if (!t.chains.has(name)) t.chains.set(name, []);
        for (i++; lines[i]!.trim() !== '}'; i++) {
          const rule = lines[i]!.trim();
          if (rule.startsWith('type ')) continue;
          this.checkRule(table, rule);
          t.chains.get(name)!.push(rule);
        }
      } else throw new Error(`model: unsupported table line: ${line}`);
    }
    throw new Error('model: unterminated table block');
  }

  table(name: string): NftTable {
    const t = this.tables.get(name);
    if (!t) throw new Error(`no such table ${name}`);
    return t;
  }

  private chain(table: string, name: string): string[] {
    const c = this.table(table).chains.get(name);
    if (!c) throw new Error(`no such chain ${name}`);
    return c;
  }

  private container(table: string, name: string): Map<string, string> {
    const c = this.table(table).containers.get(name);
    if (!c) throw new Error(`no such set or map ${name}`);
    return c;
  }

  private checkVerdict(table: string, value: string): void {
    const m = /^(?:goto|jump) (\S+)$/.exec(value);
    if (m) this.chain(table, m[1]!);
  }

  private checkRule(table: string, rule: string): void {
    for (const m of rule.matchAll(/(?:goto|jump) (\S+)/g)) this.chain(table, m[1]!);
    for (const m of rule.matchAll(/@(\S+)/g)) this.container(table, m[1]!);
  }

  private references(table: string, target: string): boolean {
    const t = this.table(table);
    const word = new RegExp(`(^|\\s)(?:goto |jump )?${target.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}(\\s|$)`);
    for (const rules of t.chains.values()) for (const r of rules) if (word.test(r)) return true;
    for (const c of t.containers.values()) for (const v of c.values()) if (v === `goto ${target}` || v === `jump ${target}`) return true;
    return false;
  }

  /** Chains (with rules) and element containers of a table, for comparing two models. */
  snapshot(table: string): { chains: Record<string, string[]>; containers: Record<string, string[]> } {
    const t = this.table(table);
    const chains: Record<string, string[]> = {};
    for (const [k, v] of [...t.chains].sort(([a], [b]) => (a < b ? -1 : 1))) chains[k] = [...v];
    const containers: Record<string, string[]> = {};
    for (const [k, v] of [...t.containers].sort(([a], [b]) => (a < b ? -1 : 1))) containers[k] = [...v].map(([a, b]) => (b ? `${a} : ${b}` : a)).sort();
    return { chains, containers };
  }
}

// ------------------------------------------------------------------ tracer

export interface Packet {
  src: string;
  dst: string;
  proto: 'tcp' | 'udp' | 'sctp';
  port: number;
}

export interface TraceOptions {
  /** Addresses of the node (for `fib daddr/saddr type local`); the packet comes from outside unless src is one of them. */
  localAddresses?: readonly string[];
}

export type TraceResult =
  | { verdict: 'DNAT'; endpoints: string[]; masquerade: Record<string, boolean> }
  | { verdict: 'REJECT' | 'DROP' | 'ACCEPT' };

interface Outcome {
  kind: 'fallthrough' | 'accept' | 'drop' | 'reject' | 'dnat' | 'return';
  dnat?: string;
  masq: boolean;
}

/** Traces one new connection through one family's table of `model`. */
export function trace(model: NftModel, table: string, pkt: Packet, opts: TraceOptions = {}): TraceResult {
  const t = model.table(table);
  const local = new Set(opts.localAddresses ?? []);
  const fromNode = local.has(pkt.src);
  const ev = new Evaluator(t, pkt, local);
  // The filter chains before NAT (priority dstnat-10): the firewall, and for the node's own traffic also the no-endpoint checks.
  const pre = ev.run(fromNode ? 'filter-output' : 'filter-prerouting', false);
  if (pre.some((o) => o.kind === 'reject')) return { verdict: 'REJECT' };
  if (pre.some((o) => o.kind === 'drop')) return { verdict: 'DROP' };
  const nat = ev.run(fromNode ? 'nat-output' : 'nat-prerouting', false);
  const dnat = nat.filter((o) => o.kind === 'dnat');
  if (dnat.length) {
    const masquerade: Record<string, boolean> = {};
    for (const o of dnat) masquerade[o.dnat!] = (masquerade[o.dnat!] ?? false) || o.masq;
    return { verdict: 'DNAT', endpoints: Object.keys(masquerade).sort(), masquerade };
  }
  if (nat.some((o) => o.kind === 'drop')) return { verdict: 'DROP' };
  const filterChain = fromNode ? 'filter-output-post-dnat' : local.has(pkt.dst) ? 'filter-input' : 'filter-forward';
  const outcomes = ev.run(filterChain, false);
  if (outcomes.some((o) => o.kind === 'reject')) return { verdict: 'REJECT' };
  if (outcomes.some((o) => o.kind === 'drop')) return { verdict: 'DROP' };
  return { verdict: 'ACCEPT' };
}

class Evaluator {
  constructor(
    private readonly t: NftTable,
    private readonly pkt: Packet,
    private readonly local: ReadonlySet<string>,
  ) {}

  /** Runs a chain; every branch (numgen) gives one outcome. `fallthrough` = the chain ended (policy accept for base chains). */
  run(chain: string, masq: boolean, depth = 0): Outcome[] {
    if (depth > 20) throw new Error('tracer: chain loop');
    const rules = this.t.chains.get(chain);
    if (!rules) throw new Error(`tracer: no chain ${chain}`);
    return this.fromRule(rules, 0, masq, depth);
  }

  private fromRule(rules: readonly string[], i: number, masq: boolean, depth: number): Outcome[] {
    if (i >= rules.length) return [{ kind: 'fallthrough', masq }];
    const rule = rules[i]!;
    const next = (m: boolean) => this.fromRule(rules, i + 1, m, depth);
    const tokens = tokenize(rule);
    let k = 0;
    let branch = false;
    // Matches.
    for (;;) {
      const tok = tokens[k];
      if (tok === undefined) return next(masq);
      if (tok === 'ct') {
        k += 3; // ct state new: every traced packet opens a connection
      } else if ((tok === 'ip' || tok === 'ip6') && (tokens[k + 1] === 'daddr' || tokens[k + 1] === 'saddr')) {
        const addr = tokens[k + 1] === 'daddr' ? this.pkt.dst : this.pkt.src;
        if (tokens[k + 2] === '.') {
          // ip daddr . meta l4proto . th dport vmap @map
          const value = this.lookup(tokens[k + 9]!.slice(1), `${addr} . ${this.pkt.proto} . ${this.pkt.port}`);
          if (value === undefined) return next(masq);
          return this.verdict(value, masq, depth, next);
        }
        const neg = tokens[k + 2] === '!=';
        const operand = tokens[k + (neg ? 3 : 2)]!;
        if (this.matchAddr(addr, operand) === neg) return next(masq);
        k += neg ? 4 : 3;
      } else if (tok === 'meta' && tokens[k + 1] === 'l4proto' && tokens[k + 2] === '.') {
        // meta l4proto . th dport vmap @map (NodePorts)
        const value = this.lookup(tokens[k + 6]!.slice(1), `${this.pkt.proto} . ${this.pkt.port}`);
        if (value === undefined) return next(masq);
        return this.verdict(value, masq, depth, next);
      } else if (tok === 'meta' && tokens[k + 1] === 'l4proto') {
        if (tokens[k + 2] !== this.pkt.proto) return next(masq);
        k += 3;
      } else if (tok === 'meta' && tokens[k + 1] === 'mark') {
        if (tokens[k + 2] === 'set') return next(true); // mark-for-masquerade
        return [{ kind: 'return', masq }]; // masquerading (postrouting): not traced
      } else if (tok === 'tcp' || tok === 'udp' || tok === 'sctp') {
        if (tok !== this.pkt.proto || Number(tokens[k + 2]) !== this.pkt.port) return next(masq);
        k += 3;
      } else if (tok === 'fib') {
        const addr = tokens[k + 1] === 'daddr' ? this.pkt.dst : this.pkt.src;
        if (!this.local.has(addr)) return next(masq);
        k += 4;
      } else if (tok === 'numgen') {
        branch = true;
        k += 5; // numgen random mod K 0
      } else break;
    }
    // Statements and verdicts.
    const tok = tokens[k]!;
    const target = tokens[k + 1]!;
    const taken = (): Outcome[] => {
      if (tok === 'jump') {
        const out: Outcome[] = [];
        for (const o of this.run(target, masq, depth + 1)) {
          if (o.kind === 'fallthrough' || o.kind === 'return') out.push(...next(o.masq));
          else out.push(o);
        }
        return out;
      }
      if (tok === 'goto') return this.run(target, masq, depth + 1);
      if (tok === 'update') return next(masq);
      if (tok === 'dnat') return [{ kind: 'dnat', dnat: tokens[k + 2]!, masq }];
      if (tok === 'reject') return [{ kind: 'reject', masq }];
      if (tok === 'drop') return [{ kind: 'drop', masq }];
      if (tok === 'return') return [{ kind: 'return', masq }];
      if (tok === 'masquerade') return [{ kind: 'accept', masq }];
      throw new Error(`tracer: unsupported rule: ${rule}`);
    };
    return branch ? [...taken(), ...next(masq)] : taken();
  }

  private verdict(value: string, masq: boolean, depth: number, next: (m: boolean) => Outcome[]): Outcome[] {
    if (value === 'drop') return [{ kind: 'drop', masq }];
    const [verb, chain] = value.split(' ');
    if (verb === 'goto') return this.run(chain!, masq, depth + 1);
    const out: Outcome[] = [];
    for (const o of this.run(chain!, masq, depth + 1)) out.push(...(o.kind === 'fallthrough' ? next(o.masq) : [o]));
    return out;
  }

  private lookup(container: string, key: string): string | undefined {
    return this.t.containers.get(container)?.get(key);
  }

  private matchAddr(addr: string, operand: string): boolean {
    if (operand.startsWith('@')) {
      const set = this.t.containers.get(operand.slice(1));
      if (!set) throw new Error(`tracer: no set ${operand}`);
      return cidrMatcher([...set.keys()].map((k) => (k.includes('/') ? k : `${k}/${k.includes(':') ? 128 : 32}`)))(addr);
    }
    const items = operand.startsWith('{') ? operand.slice(1, -1).split(',').map((s) => s.trim()).filter(Boolean) : [operand];
    return cidrMatcher(items.map((k) => (k.includes('/') ? k : `${k}/${k.includes(':') ? 128 : 32}`)))(addr);
  }
}

/** Splits a rule on blanks, keeping `{ … }` groups as one token. */
function tokenize(rule: string): string[] {
  const out: string[] = [];
  const re = /\{[^}]*\}|\S+/g;
  for (const m of rule.matchAll(re)) out.push(m[0]);
  return out;
}
