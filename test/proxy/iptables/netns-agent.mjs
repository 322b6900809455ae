// A tiny process run inside a test network namespace (`ip netns exec NS node netns-agent.mjs …`).
//   serve NAME PORT   TCP and UDP on [::]:PORT (IPv4 too); TCP answers "NAME <peer address>\n" and closes,
//                     UDP answers every datagram with "NAME <peer address>".
//   client            reads JSON requests on stdin, one a line, and answers each with one JSON line:
//                     {id, op:"tcp", host, port, timeoutMs}            → {id, data} | {id, err}
//                     {id, op:"udp", host, port, srcPort, timeoutMs}   → {id, data} | {id, err}
//                     {id, op:"lat", host, port, count}                → {id, us: [connect times in µs]} | {id, err}
// Prints "ready" once listening / reading.
import net from 'node:net';
import dgram from 'node:dgram';
import readline from 'node:readline';

const [mode, name, portArg] = process.argv.slice(2);

if (mode === 'serve') {
  const port = Number(portArg);
  const plain = (a) => (a?.startsWith('::ffff:') ? a.slice(7) : a);
  const tcp = net.createServer((s) => {
    s.on('error', () => {});
    s.end(`${name} ${plain(s.remoteAddress)}\n`);
  });
  const udp = dgram.createSocket({ type: 'udp6' });
  udp.on('message', (_m, r) => udp.send(`${name} ${plain(r.address)}`, r.port, r.address));
  let up = 0;
  const ready = () => ++up === 2 && console.log('ready');
  tcp.listen(port, '::', ready);
  udp.bind(port, '::', ready);
} else if (mode === 'client') {
  const udpSockets = new Map();
  const reply = (o) => process.stdout.write(`${JSON.stringify(o)}\n`);
  const tcp = (r) =>
    new Promise((resolve) => {
      const s = net.connect({ host: r.host, port: r.port });
      let data = '';
      const t = setTimeout(() => {
        s.destroy();
        resolve({ err: 'TIMEOUT' });
      }, r.timeoutMs ?? 3000);
      s.on('data', (d) => (data += d));
      s.on('end', () => {
        clearTimeout(t);
        resolve({ data: data.trim() });
      });
      s.on('error', (e) => {
        clearTimeout(t);
        resolve({ err: e.code ?? e.message });
      });
    });
  const udp = async (r) => {
    const key = `${r.host.includes(':') ? 6 : 4}:${r.srcPort}`;
    let sock = udpSockets.get(key);
    if (!sock) {
      sock = dgram.createSocket(r.host.includes(':') ? 'udp6' : 'udp4');
      await new Promise((res) => sock.bind(r.srcPort, res));
      udpSockets.set(key, sock);
    }
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        sock.off('message', on);
        resolve({ err: 'TIMEOUT' });
      }, r.timeoutMs ?? 2000);
      const on = (m) => {
        clearTimeout(t);
        sock.off('message', on);
        resolve({ data: String(m) });
      };
      sock.on('message', on);
      sock.send('ping', r.port, r.host);
    });
  };
  const lat = async (r) => {
    const us = [];
    for (let i = 0; i < r.count; i++) {
      const t0 = process.hrtime.bigint();
      const err = await new Promise((resolve) => {
        const s = net.connect({ host: r.host, port: r.port });
        s.once('connect', () => {
          us.push(Number(process.hrtime.bigint() - t0) / 1000);
          s.destroy();
          resolve(undefined);
        });
        s.once('error', (e) => resolve(e.code ?? e.message));
      });
      if (err) return { err };
    }
    return { us };
  };
  readline.createInterface({ input: process.stdin }).on('line', async (line) => {
    const r = JSON.parse(line);
    const res = r.op === 'tcp' ? await tcp(r) : r.op === 'lat' ? await lat(r) : await udp(r);
    reply({ id: r.id, ...res });
  });
  console.log('ready');
} else {
  console.error(`usage: netns-agent.mjs serve NAME PORT | client`);
  process.exit(2);
}
