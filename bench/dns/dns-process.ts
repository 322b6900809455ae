/**
 * One Switchboard DNS server for the benchmark, in a process of its own so it
 * never shares an event loop with the benchmark driver. argv[2] is the JSON of
 * DnsOptions; prints one JSON line {host, port, pids} once the caches have
 * synced; stops on SIGTERM.
 * Usage: node --import tsx bench/dns/dns-process.ts '{"kubeconfig":"…","listen":"127.0.0.151:5300","workers":1}'
 */
import { startDns, type DnsOptions } from '../../src/dns/index.ts';

const opts = JSON.parse(process.argv[2] ?? '{}') as DnsOptions;
const dns = await startDns({ ...opts, log: (l) => process.stderr.write(`[dns] ${l}\n`) });
await dns.ready;
process.stdout.write(JSON.stringify({ host: dns.host, port: dns.port, pids: dns.pids() }) + '\n');
process.on('SIGTERM', () => void dns.stop().finally(() => process.exit(0)));
