#!/usr/bin/env node
// The floor of Node's UDP path, for comparison in the DNS benchmark: every
// datagram goes back with the QR bit set and nothing else done (no parsing,
// no lookup, no metrics). Usage: node bench/dns/echo-server.mjs HOST PORT
import dgram from 'node:dgram';

const [host, port] = process.argv.slice(2);
const s = dgram.createSocket({ type: host.includes(':') ? 'udp6' : 'udp4', lookup: (a, _o, cb) => cb(null, a, host.includes(':') ? 6 : 4) });
s.on('message', (m, r) => {
  if (m.length < 12) return;
  m[2] |= 0x80;
  s.send(m, r.port, r.address);
});
s.on('error', () => {});
s.bind(Number(port), host, () => process.stdout.write('listening\n'));
process.on('SIGTERM', () => process.exit(0));
