import * as fs from 'node:fs';
import * as path from 'node:path';
import { failureAction, FAILURE_ACTIONS } from '../../lambda/failure-actions';

/** README's "Failure table" and the notifications' actions are one list: every error the notifier advises on has its row. */
const readme = fs.readFileSync(path.join(__dirname, '../../README.md'), 'utf8');
const table = readme.split('## Failure table')[1]!.split('\n## ')[0]!;
const rows = table.split('\n').filter((line) => line.startsWith('| ') && !line.startsWith('| symptom') && !line.startsWith('| ---'));

test.each(Object.keys(FAILURE_ACTIONS))('README\'s failure table has a row for %s', (errorName) => {
  expect(rows.some((row) => row.split(' | ')[0]!.includes(`\`${errorName}\``))).toBe(true);
});

test('every error name in the table\'s first column has an action in the notifications', () => {
  const named = rows.flatMap((row) => [...row.split(' | ')[0]!.matchAll(/`([A-Z][A-Za-z.]+)`/g)].map((m) => m[1]!));
  expect(named.length).toBeGreaterThan(10);
  for (const name of named.filter((n) => /Error$|^States\.|^Rotation|Restarts$|Input$|Aborted$/.test(n))) expect(Object.keys(FAILURE_ACTIONS)).toContain(name);
});

test('an error without an entry gets the advice every failure shares', () => {
  expect(failureAction('SomethingNew')).toMatch(/README "Failure table"/);
  expect(failureAction('DeviceUnreachableError')).toBe(FAILURE_ACTIONS.DeviceUnreachableError);
});
