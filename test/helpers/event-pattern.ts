/**
 * An EventBridge event-pattern matcher for the pattern features this project's rules use, as the EventBridge User
 * Guide defines them (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns.html and
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html):
 * - a pattern is an object; every field it names must match (fields it does not name are ignored);
 * - a nested object matches the event's object field by field;
 * - an array of values matches when the event's value equals any of them (an event array: when any of its elements
 *   does); a value is a string, number or null, compared exactly (case-sensitive);
 * - `{ "prefix": "..." }` in the array matches a string value that starts with it.
 * No maintained npm package implements EventBridge matching offline (the service's TestEventPattern needs AWS);
 * any other operator fails loudly here rather than being matched wrongly.
 */
export function matchesEventPattern(pattern: unknown, event: unknown): boolean {
  if (!isObject(pattern)) throw new Error('an event pattern is an object');
  return matchObject(pattern, event);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function matchObject(pattern: Record<string, unknown>, event: unknown): boolean {
  if (!isObject(event)) return false;
  return Object.entries(pattern).every(([key, expected]) => {
    if (!(key in event)) return false;
    const actual = event[key];
    if (Array.isArray(expected)) return matchValues(expected, actual);
    if (isObject(expected)) return matchObject(expected, actual);
    throw new Error(`pattern field "${key}" must be an array or an object`);
  });
}

function matchValues(expected: readonly unknown[], actual: unknown): boolean {
  const candidates = Array.isArray(actual) ? actual : [actual];
  return candidates.some((value) => expected.some((rule) => matchOne(rule, value)));
}

function matchOne(rule: unknown, value: unknown): boolean {
  if (rule === null || typeof rule === 'string' || typeof rule === 'number') return rule === value;
  if (isObject(rule)) {
    const keys = Object.keys(rule);
    if (keys.length === 1 && typeof rule.prefix === 'string') return typeof value === 'string' && value.startsWith(rule.prefix);
    throw new Error(`unsupported pattern operator ${JSON.stringify(rule)}`);
  }
  throw new Error(`unsupported pattern value ${JSON.stringify(rule)}`);
}
