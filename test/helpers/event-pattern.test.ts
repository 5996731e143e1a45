import { matchesEventPattern } from './event-pattern';

/** The matcher against the EventBridge User Guide's own examples of each feature it implements. */
describe('matchesEventPattern', () => {
  const event = { source: 'aws.ec2', 'detail-type': 'EC2 Instance State-change Notification', resources: ['arn:a', 'arn:b'], detail: { state: 'running', id: 'i-1' } };

  test('every named field must match; unnamed fields are ignored', () => {
    expect(matchesEventPattern({ source: ['aws.ec2'] }, event)).toBe(true);
    expect(matchesEventPattern({ source: ['aws.ec2'], 'detail-type': ['other'] }, event)).toBe(false);
  });

  test('an array matches any of its values; an event array matches when any element does', () => {
    expect(matchesEventPattern({ detail: { state: ['pending', 'running'] } }, event)).toBe(true);
    expect(matchesEventPattern({ resources: ['arn:b', 'arn:z'] }, event)).toBe(true);
    expect(matchesEventPattern({ resources: ['arn:z'] }, event)).toBe(false);
  });

  test('a field missing from the event does not match; values compare exactly', () => {
    expect(matchesEventPattern({ detail: { missing: ['x'] } }, event)).toBe(false);
    expect(matchesEventPattern({ detail: { state: ['Running'] } }, event)).toBe(false);
  });

  test('prefix', () => {
    expect(matchesEventPattern({ detail: { id: [{ prefix: 'i-' }] } }, event)).toBe(true);
    expect(matchesEventPattern({ detail: { id: [{ prefix: 'x-' }] } }, event)).toBe(false);
  });

  test('an operator it does not implement fails loudly', () => {
    expect(() => matchesEventPattern({ detail: { id: [{ suffix: '1' }] } }, event)).toThrow(/unsupported/);
  });
});
