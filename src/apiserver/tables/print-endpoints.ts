/**
 * Endpoints (NAME ENDPOINTS AGE) and EndpointSlices
 * (NAME ADDRESSTYPE PORTS ENDPOINTS AGE). Mirrors formatEndpoints,
 * formatDiscoveryPorts and formatDiscoveryEndpoints: at most three entries,
 * then "+ N more...".
 */
import type { EndpointPort, EndpointSlice, Endpoints, KubeObject } from '../../api/types.ts';
import type { ResourcePrinter } from './table-types.ts';
import { ENDPOINTS_SUBSETS, ENDPOINT_SLICE } from './descriptions.ts';
import { AGE_COLUMN, NAME_COLUMN, column, joinHostPort, listWithMoreString, objectName, withMore } from './format-helpers.ts';
import { translateTimestampSince } from './format-duration.ts';

const MAX_SHOWN = 3;

export const endpointsPrinter: ResourcePrinter = {
  columns: [NAME_COLUMN, column('Endpoints', 'string', ENDPOINTS_SUBSETS), AGE_COLUMN],
  printRow(obj: KubeObject, now: Date) {
    const ep = obj as Endpoints;
    return {
      cells: [objectName(ep), formatEndpoints(ep), translateTimestampSince(ep.metadata?.creationTimestamp, now)],
    };
  },
};

export const endpointSlicePrinter: ResourcePrinter = {
  columns: [
    NAME_COLUMN,
    column('AddressType', 'string', ENDPOINT_SLICE.addressType),
    column('Ports', 'string', ENDPOINT_SLICE.ports),
    column('Endpoints', 'string', ENDPOINT_SLICE.endpoints),
    AGE_COLUMN,
  ],
  printRow(obj: KubeObject, now: Date) {
    const slice = obj as EndpointSlice;
    return {
      cells: [
        objectName(slice),
        slice.addressType ?? '',
        formatDiscoveryPorts(slice.ports ?? []),
        formatDiscoveryEndpoints(slice),
        translateTimestampSince(slice.metadata?.creationTimestamp, now),
      ],
    };
  },
};

/**
 * formatEndpoints: ready addresses only, "ip:port" for every (address, port)
 * pair, bare IPs for a subset without ports; "<none>" without subsets.
 */
export function formatEndpoints(ep: Endpoints): string {
  const subsets = ep.subsets ?? [];
  if (subsets.length === 0) return '<none>';
  const shown: string[] = [];
  let count = 0;
  const add = (entry: string): void => {
    if (shown.length < MAX_SHOWN) shown.push(entry);
  };
  for (const ss of subsets) {
    const addresses = ss.addresses ?? [];
    const ports = ss.ports ?? [];
    if (ports.length === 0) {
      // Headless services may have no ports.
      count += addresses.length;
      addresses.forEach((a) => add(a.ip));
      continue;
    }
    for (const port of ports) {
      count += addresses.length;
      addresses.forEach((a) => add(joinHostPort(a.ip, port.port)));
    }
  }
  return withMore(shown, count, MAX_SHOWN);
}

/** formatDiscoveryPorts: port number, else port name, else "*"; "<unset>" for none. */
export function formatDiscoveryPorts(ports: EndpointPort[]): string {
  const shown = ports.slice(0, MAX_SHOWN).map((p) => {
    const port = p as Partial<EndpointPort> & { port?: number | null; name?: string | null };
    if (port.port !== undefined && port.port !== null) return String(port.port);
    if (port.name !== undefined && port.name !== null) return port.name;
    return '*';
  });
  return listWithMoreString(shown, ports.length, MAX_SHOWN);
}

/** formatDiscoveryEndpoints: every address of every endpoint, ready or not; "<unset>" for none. */
export function formatDiscoveryEndpoints(slice: EndpointSlice): string {
  const addresses = (slice.endpoints ?? []).flatMap((e) => e.addresses ?? []);
  return listWithMoreString(addresses.slice(0, MAX_SHOWN), addresses.length, MAX_SHOWN);
}
