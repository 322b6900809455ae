/**
 * The clusterIP / clusterIPs / ipFamilies / ipFamilyPolicy rules of
 * pkg/apis/core/validation (ValidateServiceClusterIPsRelatedFields,
 * validateUpgradeDowngradeClusterIPs, validateUpgradeDowngradeIPFamilies),
 * with upstream field paths, types and wording. Pure; never throws.
 */
import { fieldErr, path, type FieldError } from '../status.ts';
import type { ServiceSpec } from '../types.ts';
import { familyOf, validateIP } from './ip.ts';

const IP_FAMILIES = ['IPv4', 'IPv6'] as const;
const IP_FAMILY_POLICIES = ['PreferDualStack', 'RequireDualStack', 'SingleStack'] as const;

function list<T>(v: unknown): T[] {
  return Array.isArray(v) ? (v as T[]) : [];
}

/** isHeadlessService: clusterIPs is exactly ["None"]. */
export function isHeadless(spec: ServiceSpec | undefined): boolean {
  const ips = list<string>(spec?.clusterIPs);
  return ips.length === 1 && ips[0] === 'None';
}

export function validateServiceClusterIPsRelatedFields(spec: ServiceSpec): FieldError[] {
  // ExternalName: all of these must be unset, which ValidateService checks.
  if (spec.type === 'ExternalName') return [];
  const errs: FieldError[] = [];
  const clusterIPsField = path('spec', 'clusterIPs');
  const clusterIPs = list<string>(spec.clusterIPs);
  const families = list<string>(spec.ipFamilies);
  let hasInvalidIPs = false;

  // clusterIP and clusterIPs[0] must agree (the registry syncs them first).
  if (spec.clusterIP) {
    if (clusterIPs.length === 0) errs.push(fieldErr.required(clusterIPsField));
    else if (clusterIPs[0] !== spec.clusterIP) errs.push(fieldErr.invalid(clusterIPsField, clusterIPs, 'first value must match `clusterIP`'));
  } else if (clusterIPs.length !== 0) {
    errs.push(fieldErr.invalid(clusterIPsField, clusterIPs, 'must be empty when `clusterIP` is not specified'));
  }

  const seen = new Set<string>();
  families.forEach((f, i) => {
    const p = path('spec', 'ipFamilies').index(i);
    if (!(IP_FAMILIES as readonly string[]).includes(f)) errs.push(fieldErr.notSupported(p, f, IP_FAMILIES));
    if (seen.has(f)) errs.push(fieldErr.duplicate(p, f));
    seen.add(f);
  });

  if (spec.ipFamilyPolicy !== undefined && spec.ipFamilyPolicy !== null && !(IP_FAMILY_POLICIES as readonly string[]).includes(spec.ipFamilyPolicy)) {
    errs.push(fieldErr.notSupported(path('spec', 'ipFamilyPolicy'), spec.ipFamilyPolicy, IP_FAMILY_POLICIES));
  }

  clusterIPs.forEach((ip, i) => {
    if (i === 0 && ip === 'None') {
      if (clusterIPs.length > 1) {
        hasInvalidIPs = true;
        errs.push(fieldErr.invalid(clusterIPsField, clusterIPs, "'None' must be the first and only value"));
      }
      return;
    }
    const e = validateIP(clusterIPsField.index(i), ip);
    if (e.length) hasInvalidIPs = true;
    errs.push(...e);
  });

  if (clusterIPs.length > 2) errs.push(fieldErr.invalid(clusterIPsField, clusterIPs, 'may only hold up to 2 values'));

  // Bad IPs would skew the family checks below.
  if (hasInvalidIPs) return errs;

  if (clusterIPs.length > 1) {
    // netutils.IsDualStackIPStrings: at least one IP of each family.
    const fams = clusterIPs.map((ip) => familyOf(ip));
    const dualStack = fams.includes('IPv4') && fams.includes('IPv6');
    if (!dualStack) errs.push(fieldErr.invalid(clusterIPsField, clusterIPs, 'may specify no more than one IP for each IP family'));
  }

  if (!isHeadless(spec) && clusterIPs.length > 0 && families.length > 0) {
    for (let i = 0; i < clusterIPs.length && i < families.length; i++) {
      const fam = familyOf(clusterIPs[i]);
      if (families[i] === 'IPv4' && fam === 'IPv6') {
        errs.push(fieldErr.invalid(clusterIPsField.index(i), clusterIPs[i], `expected an IPv4 value as indicated by \`ipFamilies[${i}]\``));
      }
      if (families[i] === 'IPv6' && fam !== 'IPv6') {
        errs.push(fieldErr.invalid(clusterIPsField.index(i), clusterIPs[i], `expected an IPv6 value as indicated by \`ipFamilies[${i}]\``));
      }
    }
  }
  return errs;
}

/** validateUpgradeDowngradeClusterIPs: clusterIPs[0] is immutable; dropping the secondary needs SingleStack. */
export function validateUpgradeDowngradeClusterIPs(old: ServiceSpec, spec: ServiceSpec): FieldError[] {
  if (spec.type === 'ExternalName' || old.type === 'ExternalName') return [];
  if (isHeadless(old) && isHeadless(spec)) return [];
  const errs: FieldError[] = [];
  const oldIPs = list<string>(old.clusterIPs);
  const newIPs = list<string>(spec.clusterIPs);
  const field = (i: number) => path('spec', 'clusterIPs').index(i);
  if (oldIPs.length === newIPs.length) {
    oldIPs.forEach((ip, i) => {
      if (ip !== newIPs[i]) errs.push(fieldErr.invalid(field(i), newIPs, 'may not change once set'));
    });
  } else if (oldIPs.length > newIPs.length) {
    if (newIPs.length === 0) errs.push(fieldErr.invalid(field(0), newIPs, 'primary clusterIP can not be unset'));
    if (oldIPs.length > 0 && newIPs.length > 0 && newIPs[0] !== oldIPs[0]) errs.push(fieldErr.invalid(field(0), newIPs, 'may not change once set'));
    if (newIPs.length === 1 && spec.ipFamilyPolicy !== 'SingleStack') {
      errs.push(fieldErr.invalid(path('spec', 'ipFamilyPolicy'), spec.ipFamilyPolicy ?? null, "must be set to 'SingleStack' when releasing the secondary clusterIP"));
    }
  } else if (oldIPs.length > 0 && newIPs[0] !== oldIPs[0]) {
    errs.push(fieldErr.invalid(field(0), newIPs, 'may not change once set'));
  }
  return errs;
}

/** validateUpgradeDowngradeIPFamilies: ipFamilies[0] is immutable (headless may change families). */
export function validateUpgradeDowngradeIPFamilies(old: ServiceSpec, spec: ServiceSpec): FieldError[] {
  if (spec.type === 'ExternalName' || old.type === 'ExternalName') return [];
  const oldHeadless = isHeadless(old);
  if (oldHeadless !== isHeadless(spec) || oldHeadless) return [];
  const errs: FieldError[] = [];
  const oldF = list<string>(old.ipFamilies);
  const newF = list<string>(spec.ipFamilies);
  const newIPs = list<string>(spec.clusterIPs);
  const field0 = path('spec', 'ipFamilies').index(0);
  if (oldF.length === newF.length) {
    // Upstream reports every changed entry at index 0, with the whole list.
    oldF.forEach((f, i) => {
      if (f !== newF[i]) errs.push(fieldErr.invalid(field0, newF, 'may not change once set'));
    });
  } else if (oldF.length > newF.length) {
    // Upstream checks clusterIPs here (not ipFamilies) and reports clusterIPs as the value.
    if (newIPs.length === 0) errs.push(fieldErr.invalid(field0, newF, 'primary ipFamily can not be unset'));
    if (newF.length > 0 && newF[0] !== oldF[0]) errs.push(fieldErr.invalid(field0, newIPs, 'may not change once set'));
    if (newF.length === 1 && spec.ipFamilyPolicy !== 'SingleStack') {
      errs.push(fieldErr.invalid(path('spec', 'ipFamilyPolicy'), spec.ipFamilyPolicy ?? null, "must be set to 'SingleStack' when releasing the secondary ipFamily"));
    }
  } else if (oldF.length > 0 && newF.length > 0 && newF[0] !== oldF[0]) {
    errs.push(fieldErr.invalid(field0, newIPs, 'may not change once set'));
  }
  return errs;
}
