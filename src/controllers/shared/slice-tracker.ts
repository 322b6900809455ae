/**
 * EndpointSliceTracker (k8s.io/endpointslice util/endpointslice_tracker.go),
 * plus own-write recognition.
 *
 * A controller writes a slice and then plans from an informer cache that may
 * not show that write yet. Planning from such a cache would duplicate a slice
 * (create again) or fail on a stale resourceVersion, so the tracker remembers,
 * per owner (Service or Endpoints key), the generation of every slice it wrote
 * and the slices it deleted; `stale()` reports a cache that is behind.
 *
 * It also remembers the resourceVersions its own writes produced, so the
 * event handlers can tell "my write coming back" (ignore) from "someone else
 * changed or deleted my slice" (reconcile and repair).
 */
import type { EndpointSlice } from '../../api/types.ts';

const DELETION_EXPECTED = -1;

export class StaleCacheError extends Error {
  constructor(what: string) {
    super(`${what} informer cache is out of date`);
    this.name = 'StaleCacheError';
  }
}

export class EndpointSliceTracker {
  /** owner key → slice uid → generation written (or DELETION_EXPECTED). */
  private readonly byOwner = new Map<string, Map<string, number>>();
  /** slice uid → resourceVersions our writes produced and whose events have not arrived. */
  private readonly ownVersions = new Map<string, Set<string>>();

  /** Records a slice as returned by a create or update. */
  written(owner: string, slice: EndpointSlice): void {
    const uid = slice.metadata.uid;
    if (!uid) return;
    let m = this.byOwner.get(owner);
    if (!m) this.byOwner.set(owner, (m = new Map()));
    m.set(uid, slice.metadata.generation ?? 0);
    const rv = slice.metadata.resourceVersion;
    if (rv) {
      let s = this.ownVersions.get(uid);
      if (!s) this.ownVersions.set(uid, (s = new Set()));
      s.add(rv);
      // Bounded: versions whose events were coalesced away (relist) are dropped oldest first.
      if (s.size > 8) s.delete(s.values().next().value!);
    }
  }

  /** Records a delete we issued. */
  expectDeletion(owner: string, slice: EndpointSlice): void {
    const uid = slice.metadata.uid;
    if (!uid) return;
    let m = this.byOwner.get(owner);
    if (!m) this.byOwner.set(owner, (m = new Map()));
    m.set(uid, DELETION_EXPECTED);
  }

  /**
   * StaleSlices: the cache is behind when it holds a slice older than one we
   * wrote or one we deleted, or lacks a slice we wrote.
   */
  stale(owner: string, cached: readonly EndpointSlice[]): boolean {
    const m = this.byOwner.get(owner);
    if (!m || m.size === 0) return false;
    const seen = new Set<string>();
    for (const s of cached) {
      const uid = s.metadata.uid ?? '';
      seen.add(uid);
      const g = m.get(uid);
      if (g !== undefined && (g === DELETION_EXPECTED || g > (s.metadata.generation ?? 0))) return true;
    }
    for (const [uid, g] of m) if (g !== DELETION_EXPECTED && !seen.has(uid)) return true;
    return false;
  }

  /**
   * For add/update events: true when the event is a write of ours coming
   * back (and forgets that version), false when someone else wrote it.
   */
  isOwnWrite(slice: EndpointSlice): boolean {
    const uid = slice.metadata.uid ?? '';
    const s = this.ownVersions.get(uid);
    const rv = slice.metadata.resourceVersion ?? '';
    if (!s || !s.has(rv)) return false;
    s.delete(rv);
    if (s.size === 0) this.ownVersions.delete(uid);
    return true;
  }

  /**
   * For delete events: true when we expected the deletion. Either way the
   * slice is forgotten.
   */
  handleDeletion(owner: string, slice: EndpointSlice): boolean {
    const uid = slice.metadata.uid ?? '';
    this.ownVersions.delete(uid);
    const m = this.byOwner.get(owner);
    const g = m?.get(uid);
    m?.delete(uid);
    if (m && m.size === 0) this.byOwner.delete(owner);
    return g === DELETION_EXPECTED;
  }

  forget(owner: string): void {
    const m = this.byOwner.get(owner);
    if (m) for (const uid of m.keys()) this.ownVersions.delete(uid);
    this.byOwner.delete(owner);
  }
}
