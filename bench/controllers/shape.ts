/** Names and addresses of the benchmark's objects (shared by the driver and the seeder). */
export const NAMESPACE = 'bench';
export const STAMP = 'bench.switchboard.dev/t';
export const serviceName = (i: number) => `svc-${String(i).padStart(5, '0')}`;
export const podName = (i: number, j: number) => `${serviceName(i)}-${j}`;
/** Pod k (0-based, k < 250·250·4) → an address in 127.244.0.0/14 (the bench widens the loopback pod range). */
export const podIP = (k: number) => `127.${244 + Math.floor(k / 62_500)}.${Math.floor(k / 250) % 250}.${(k % 250) + 1}`;
