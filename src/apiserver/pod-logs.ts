/**
 * pods/log: the API server proxies to the pod's node agent, as kube-apiserver
 * proxies to the kubelet's /containerLogs endpoint. The node publishes where
 * it serves in Node.status.addresses (InternalIP) and
 * status.daemonEndpoints.kubeletEndpoint.Port. Like kube-apiserver without
 * --kubelet-certificate-authority, the agent's serving certificate is not
 * verified; the agent requires the cluster's bearer token.
 */
import https from 'node:https';
import type { ServerResponse } from 'node:http';
import type { Node, Pod } from '../api/types.ts';
import { badRequest, internalError, statusError, type ApiError } from '../api/status.ts';
import { findResource } from '../api/resources.ts';
import type { Registry } from './registry.ts';

const PODS = findResource('', 'v1', 'pods')!;
const NODES = findResource('', 'v1', 'nodes')!;
const PASSTHROUGH = ['follow', 'tailLines', 'previous', 'timestamps', 'sinceSeconds', 'sinceTime', 'limitBytes'];

export async function proxyPodLogs(reg: Registry, ns: string, name: string, q: URLSearchParams, token: string | undefined, res: ServerResponse): Promise<void> {
  const pod = reg.get(PODS, ns, name) as Pod;
  const containers = [...(pod.spec.initContainers ?? []), ...(pod.spec.containers ?? [])].map((c) => c.name);
  let container = q.get('container') ?? '';
  if (!container) {
    if (pod.spec.containers.length !== 1) {
      throw badRequest(`a container name must be specified for pod ${name}, choose one of: [${pod.spec.containers.map((c) => c.name).join(' ')}]`);
    }
    container = pod.spec.containers[0]!.name;
  }
  if (!containers.includes(container)) throw badRequest(`container ${container} is not valid for pod ${name}`);
  const nodeName = pod.spec.nodeName;
  if (!nodeName) throw badRequest(`pod ${name} does not have a host assigned`);
  const node = reg.getCached(NODES, undefined, nodeName)?.obj as Node | undefined;
  const addr = node?.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
  const port = (node?.status as { daemonEndpoints?: { kubeletEndpoint?: { Port?: number } } } | undefined)?.daemonEndpoints?.kubeletEndpoint?.Port;
  if (!addr || !port) {
    throw statusError(500, 'InternalError', `Internal error occurred: node "${nodeName}" does not publish a log endpoint (is its agent running?)`);
  }
  const params = new URLSearchParams();
  for (const k of PASSTHROUGH) {
    const v = q.get(k);
    if (v !== null) params.set(k, v);
  }
  const path = `/containerLogs/${encodeURIComponent(ns)}/${encodeURIComponent(name)}/${encodeURIComponent(container)}${params.size ? `?${params}` : ''}`;
  await new Promise<void>((resolve, reject) => {
    const up = https.request(
      { host: addr, port, path, method: 'GET', rejectUnauthorized: false, headers: token ? { authorization: `Bearer ${token}` } : {} },
      (ur) => {
        const code = ur.statusCode ?? 502;
        if (code < 200 || code > 206) {
          // The agent's errors are plain text: turn them into a Status as kube-apiserver's
          // GenericHttpResponseChecker does (so kubectl prints the agent's message).
          const chunks: Buffer[] = [];
          ur.on('data', (c: Buffer) => chunks.push(c));
          ur.on('end', () => reject(agentError(code, Buffer.concat(chunks).toString('utf8').slice(0, 50_000), name)));
          ur.on('error', (e) => reject(internalError(e.message)));
          return;
        }
        res.writeHead(code, {
          'Content-Type': ur.headers['content-type'] ?? 'text/plain',
          'Cache-Control': 'no-cache, private',
          ...(ur.headers['content-length'] ? { 'Content-Length': ur.headers['content-length'] } : { 'Transfer-Encoding': 'chunked' }),
        });
        ur.pipe(res);
        ur.on('end', resolve);
        ur.on('error', resolve);
      },
    );
    up.on('error', (e) => reject(statusError(502, 'InternalError', `Get "https://${addr}:${port}${path}": ${e.message}`)));
    res.on('close', () => up.destroy());
    up.end();
  });
}

/** GenericHttpResponseChecker.Check (apiserver pkg/registry/generic/rest/response_checker.go). */
function agentError(code: number, body: string, name: string): ApiError {
  if (code === 400) return badRequest(body);
  if (code === 500) return internalError(body);
  // NewGenericServerResponse: a fixed message per code, the agent's text as the cause.
  const [reason, message] =
    code === 404 ? (['NotFound', 'the server could not find the requested resource'] as const)
    : code === 401 ? (['Unauthorized', 'the server has asked for the client to provide credentials'] as const)
    : ([undefined, `the server responded with the status code ${code} but did not return more information`] as const);
  return statusError(code, reason, message, { name, kind: 'pods', causes: body ? [{ reason: 'UnexpectedServerResponse', message: body }] : undefined });
}
