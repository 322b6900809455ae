/**
 * ObjectMeta validation (apimachinery/pkg/api/validation/objectmeta.go): the
 * rules every kind shares. Accumulates field errors; never throws or mutates.
 */
import { fieldErr, type FieldError } from '../status.ts';
import type { ObjectMeta } from '../types.ts';
import { labelKeyErrors, labelValueErrors } from '../selectors.ts';

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

export function dns1123LabelErrors(v: string): string[] {
  const errs: string[] = [];
  if (v.length > 63) errs.push('must be no more than 63 characters');
  if (!DNS1123_LABEL.test(v)) {
    errs.push(
      "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
    );
  }
  return errs;
}

export function dns1123SubdomainErrors(v: string): string[] {
  const errs: string[] = [];
  if (v.length > 253) errs.push('must be no more than 253 characters');
  if (!DNS1123_SUBDOMAIN.test(v)) {
    errs.push(
      "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
    );
  }
  return errs;
}

export function dns1035LabelErrors(v: string): string[] {
  const errs: string[] = [];
  if (v.length > 63) errs.push('must be no more than 63 characters');
  if (!DNS1035_LABEL.test(v)) {
    errs.push(
      "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')",
    );
  }
  return errs;
}

export type NameRule = 'subdomain' | 'label' | 'dns1035' | 'path-segment';

export function nameErrors(rule: NameRule, name: string): string[] {
  switch (rule) {
    case 'label':
      return dns1123LabelErrors(name);
    case 'dns1035':
      return dns1035LabelErrors(name);
    case 'path-segment':
      if (name === '.' || name === '..') return [`may not be '${name}'`];
      if (name.includes('/')) return ["may not contain '/'"];
      if (name.includes('%')) return ["may not contain '%'"];
      return [];
    default:
      return dns1123SubdomainErrors(name);
  }
}

const TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024;

export function validateObjectMeta(meta: ObjectMeta, namespaced: boolean, rule: NameRule): FieldError[] {
  const errs: FieldError[] = [];
  if (!meta.name && !meta.generateName) {
    errs.push(fieldErr.required('metadata.name', 'name or generateName is required'));
  } else if (meta.name) {
    for (const m of nameErrors(rule, meta.name)) errs.push(fieldErr.invalid('metadata.name', meta.name, m));
  }
  if (namespaced) {
    if (!meta.namespace) errs.push(fieldErr.required('metadata.namespace'));
    else for (const m of dns1123LabelErrors(meta.namespace)) errs.push(fieldErr.invalid('metadata.namespace', meta.namespace, m));
  } else if (meta.namespace) {
    errs.push(fieldErr.forbidden('metadata.namespace', 'not allowed on this type'));
  }
  for (const [k, v] of Object.entries(meta.labels ?? {})) {
    if (typeof v !== 'string') {
      errs.push(fieldErr.invalid(`metadata.labels`, v, 'label values must be strings'));
      continue;
    }
    for (const m of labelKeyErrors(k)) errs.push(fieldErr.invalid('metadata.labels', k, m));
    for (const m of labelValueErrors(v)) errs.push(fieldErr.invalid(`metadata.labels`, v, m));
  }
  let size = 0;
  for (const [k, v] of Object.entries(meta.annotations ?? {})) {
    for (const m of labelKeyErrors(k.toLowerCase())) errs.push(fieldErr.invalid('metadata.annotations', k, m));
    size += k.length + (typeof v === 'string' ? v.length : 0);
  }
  if (size > TOTAL_ANNOTATION_SIZE_LIMIT) {
    errs.push(fieldErr.tooLong('metadata.annotations', '', TOTAL_ANNOTATION_SIZE_LIMIT));
  }
  (meta.finalizers ?? []).forEach((f, i) => {
    if (typeof f !== 'string' || labelKeyErrors(f).length) {
      errs.push(fieldErr.invalid(`metadata.finalizers[${i}]`, f, 'name must be a qualified name'));
    }
  });
  (meta.ownerReferences ?? []).forEach((o, i) => {
    const p = `metadata.ownerReferences[${i}]`;
    if (!o.apiVersion) errs.push(fieldErr.invalid(`${p}.apiVersion`, o.apiVersion ?? '', 'version must not be empty'));
    if (!o.kind) errs.push(fieldErr.invalid(`${p}.kind`, o.kind ?? '', 'kind must not be empty'));
    if (!o.name) errs.push(fieldErr.invalid(`${p}.name`, o.name ?? '', 'name must not be empty'));
    if (!o.uid) errs.push(fieldErr.invalid(`${p}.uid`, o.uid ?? '', 'uid must not be empty'));
  });
  if ((meta.ownerReferences ?? []).filter((o) => o.controller).length > 1) {
    errs.push(fieldErr.invalid('metadata.ownerReferences', meta.ownerReferences, 'Only one reference can have Controller set to true'));
  }
  return errs;
}
