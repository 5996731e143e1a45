import { FaultPlan } from '../../../local/simulators/faults';

describe('FaultPlan', () => {
  test('a rule applies once by default, to its operation only', () => {
    const plan = new FaultPlan();
    plan.inject({ on: 'login', fault: { kind: 'drop-before' } });
    expect(plan.take('change-password')).toEqual([]);
    expect(plan.take('login')).toEqual([{ kind: 'drop-before' }]);
    expect(plan.take('login')).toEqual([]);
    expect(plan.pending).toBe(0);
  });

  test('skip lets matching requests through first; times bounds the rest', () => {
    const plan = new FaultPlan();
    plan.inject({ on: ['passwd'], skip: 2, times: 2, fault: { kind: 'drop-after' } });
    expect([plan.take('passwd'), plan.take('passwd'), plan.take('passwd'), plan.take('passwd'), plan.take('passwd')].map((f) => f.length)).toEqual([0, 0, 1, 1, 0]);
  });

  test('several rules can hit the same request; a rule without operation hits any', () => {
    const plan = new FaultPlan();
    plan.inject({ fault: { kind: 'latency', ms: 5 }, times: Infinity });
    plan.inject({ on: 'token', fault: { kind: 'server-error' } });
    expect(plan.take('token')).toEqual([{ kind: 'latency', ms: 5 }, { kind: 'server-error' }]);
    expect(plan.take('other')).toEqual([{ kind: 'latency', ms: 5 }]);
    plan.clear();
    expect(plan.take('other')).toEqual([]);
  });
});
