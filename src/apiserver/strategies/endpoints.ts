/** Endpoints and EndpointSlice behaviour (validation comes with the Service semantics work). */
import type { Strategy } from '../strategy.ts';

export const endpointsStrategy: Strategy = { nameRule: 'subdomain' };
export const endpointSliceStrategy: Strategy = { nameRule: 'subdomain' };
