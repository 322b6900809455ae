import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseLabelSelector, matchesLabels, parseFieldSelector, matchesFields } from '../../src/api/selectors.ts';
import { isApiError } from '../../src/api/status.ts';

const labels = { app: 'web', tier: 'frontend', version: '3', 'example.com/team': 'blue' };

const rows: { name: string; sel: string; match: boolean }[] = [
  { name: 'empty selects everything', sel: '', match: true },
  { name: 'equality', sel: 'app=web', match: true },
  { name: 'double equals', sel: 'app==web', match: true },
  { name: 'equality mismatch', sel: 'app=db', match: false },
  { name: 'not equals', sel: 'app!=db', match: true },
  { name: 'not equals on a missing key matches', sel: 'missing!=x', match: true },
  { name: 'not equals mismatch', sel: 'app!=web', match: false },
  { name: 'in', sel: 'tier in (frontend, backend)', match: true },
  { name: 'in without spaces', sel: 'tier in (frontend,backend)', match: true },
  { name: 'in mismatch', sel: 'tier in (backend)', match: false },
  { name: 'notin', sel: 'tier notin (backend)', match: true },
  { name: 'notin on a missing key matches', sel: 'zone notin (a)', match: true },
  { name: 'notin mismatch', sel: 'tier notin (frontend)', match: false },
  { name: 'exists', sel: 'app', match: true },
  { name: 'exists mismatch', sel: 'zone', match: false },
  { name: 'does not exist', sel: '!zone', match: true },
  { name: 'does not exist mismatch', sel: '!app', match: false },
  { name: 'prefixed key', sel: 'example.com/team=blue', match: true },
  { name: 'gt', sel: 'version>2', match: true },
  { name: 'lt', sel: 'version<2', match: false },
  { name: 'several requirements are ANDed', sel: 'app=web,tier in (frontend),!zone', match: true },
  { name: 'one failing requirement fails', sel: 'app=web,tier=backend', match: false },
  { name: 'empty value', sel: 'empty=', match: false },
  { name: 'in with an empty value', sel: 'zone in (,a)', match: false },
];

for (const r of rows) {
  test(`label selector: ${r.name}`, () => {
    assert.equal(matchesLabels(parseLabelSelector(r.sel), labels), r.match);
  });
}

const bad = ['app in (a', 'app in a', '=web', 'app=web,', 'Bad Key=x', 'app=!x', '!app=web', 'version>x', 'a=' + 'x'.repeat(64), 'a,,b'];
for (const sel of bad) {
  test(`label selector ${JSON.stringify(sel)} is a 400`, () => {
    assert.throws(
      () => parseLabelSelector(sel),
      (e) => isApiError(e) && e.code === 400,
    );
  });
}

const fieldRows: { sel: string; fields: Record<string, string>; match: boolean }[] = [
  { sel: 'metadata.name=web', fields: { 'metadata.name': 'web' }, match: true },
  { sel: 'metadata.name==web', fields: { 'metadata.name': 'web' }, match: true },
  { sel: 'metadata.name!=web', fields: { 'metadata.name': 'web' }, match: false },
  { sel: 'spec.nodeName=,status.phase=Running', fields: { 'spec.nodeName': '', 'status.phase': 'Running' }, match: true },
  { sel: 'involvedObject.name=a\\,b', fields: { 'involvedObject.name': 'a,b' }, match: true },
  { sel: 'involvedObject.name=kubernetes,involvedObject.namespace=default,involvedObject.kind=Service', fields: { 'involvedObject.name': 'kubernetes', 'involvedObject.namespace': 'default', 'involvedObject.kind': 'Service' }, match: true },
];
for (const r of fieldRows) {
  test(`field selector ${r.sel}`, () => {
    assert.equal(matchesFields(parseFieldSelector(r.sel), r.fields), r.match);
  });
}

test('field selector without an operator is a 400', () => {
  assert.throws(() => parseFieldSelector('metadata.name'), (e) => isApiError(e) && e.code === 400);
});
