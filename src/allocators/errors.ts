/**
 * Typed allocator errors. Messages copy Kubernetes' ipallocator /
 * portallocator wording, because the admission layer puts them verbatim into
 * 422 causes that clients match on.
 */

/** No free value is left in the range (ErrFull). */
export class RangeFullError extends Error {
  constructor(readonly range: string) {
    super('range is full');
    this.name = 'RangeFullError';
  }
}

/** The requested value is held by someone else (ErrAllocated). */
export class AlreadyAllocatedError extends Error {
  constructor(
    readonly kind: 'ip' | 'port',
    readonly value: string | number,
  ) {
    super(kind === 'ip' ? 'provided IP is already allocated' : 'provided port is already allocated');
    this.name = 'AlreadyAllocatedError';
  }
}

/** The requested value is outside the allocatable range (ErrNotInRange). */
export class NotInRangeError extends Error {
  constructor(
    readonly kind: 'ip' | 'port',
    readonly value: string | number,
    readonly range: string,
  ) {
    super(
      kind === 'ip'
        ? `the provided IP (${value}) is not in the valid range. The range of valid IPs is ${range}`
        : `provided port is not in the valid range. The range of valid ports is ${range}`,
    );
    this.name = 'NotInRangeError';
  }
}
