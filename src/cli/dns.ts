/**
 * `switchboard dns --kubeconfig … [--listen ADDR:PORT]`: the cluster DNS
 * server as a plain API client (against this project's API server or any
 * conformant one). Also used by `switchboard up` to run it in-process.
 *
 * Flags for the command (the lead wires them in main.ts):
 *   --kubeconfig PATH   --context NAME
 *   --listen ADDR:PORT  (default: kube-dns ClusterIP, port 53, else 1053)
 *   --zone cluster.local   --ttl 5   --upstream IP[:PORT] (repeatable)
 *   --pods disabled|insecure|verified   --metrics-listen ADDR:PORT   --workers N
 *   --sharing cluster|reuseport (workers > 1)
 */
import { startDns, type DnsOptions, type RunningDns } from '../dns/index.ts';
import { joinHostPort } from '../api/validation/ip.ts';

/** startDns's options, plus what only the command does. */
export interface RunDnsOptions extends DnsOptions {
  /** Print the address lines on stdout (default true). */
  banner?: boolean;
  /** Install SIGINT/SIGTERM handlers that stop and exit (default false). */
  handleSignals?: boolean;
}

/** Starts the DNS server; resolves once it listens (answers SERVFAIL in the zone until synced, see `ready`). */
export async function runDns(opts: RunDnsOptions = {}): Promise<RunningDns> {
  const dns = await startDns(opts);
  if (opts.banner !== false) {
    const up = dns.upstreams.length ? dns.upstreams.map((u) => joinHostPort(u.host, u.port)).join(', ') : 'none (outside names REFUSED)';
    process.stdout.write(
      `switchboard dns: listening on ${joinHostPort(dns.host, dns.port)} (udp+tcp) for ${dns.zone}, ${dns.workers} worker${dns.workers === 1 ? '' : 's'}; upstream ${up}\n` +
        `switchboard dns: health, readiness and metrics on http://${joinHostPort(dns.metrics.host, dns.metrics.port)}/{health,ready,metrics}\n` +
        `switchboard dns: try: dig @${dns.host}${dns.port === 53 ? '' : ` -p ${dns.port}`} kubernetes.default.svc.${dns.zone}\n`,
    );
    void dns.ready.then(() => process.stdout.write('switchboard dns: ready (caches synced)\n'));
  }
  if (opts.handleSignals) {
    const shutdown = (sig: string) => {
      process.stderr.write(`switchboard dns: ${sig}: shutting down\n`);
      void dns.stop().then(() => process.exit(0));
    };
    process.once('SIGINT', () => shutdown('SIGINT'));
    process.once('SIGTERM', () => shutdown('SIGTERM'));
  }
  return dns;
}
