import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { VENDORS } from '../../lambda/device/types';
import { condition, diagramSection, mermaidOf, type State, withDiagram } from '../../local/diagram';
import { synthesizeRotatorTemplate } from '../../local/engine/local-engine';
import { type WorkflowSurface, workflowFromTemplate } from '../../local/engine/synthesized-workflow';

type Definition = { StartAt: string; States: Record<string, State> };

interface Edge {
  readonly from: string;
  readonly arrow: '-->' | '-.->';
  readonly label: string | undefined;
  readonly to: string;
}

const id = (name: string) => `s_${name.replace(/[^A-Za-z0-9]/g, '_')}`;

/** The edges of a Mermaid chart as `mermaidOf` writes them: `a -->|"label"| b`, `a --> b`, `a -.->|"label"| b`. */
function edgesOf(chart: string): Edge[] {
  const edges: Edge[] = [];
  for (const line of chart.split('\n')) {
    const match = /^ {2}(\S+) (-->|-\.->)(?:\|"?(.*?)"?\|)? (\S+)$/.exec(line);
    if (match) edges.push({ from: match[1], arrow: match[2] as Edge['arrow'], label: match[3], to: match[4] });
  }
  return edges;
}

const key = (edge: Edge) => `${edge.from} ${edge.arrow} ${edge.to}`;

describe('state machine diagram', () => {
  let definitions: Record<WorkflowSurface, Definition>;
  beforeAll(() => {
    definitions = workflowFromTemplate(synthesizeRotatorTemplate()).definitions as unknown as Record<WorkflowSurface, Definition>;
  }, 60_000);

  test("README's picture is the one the synthesized definition gives (run `npm run diagram` after changing the workflow)", () => {
    const readme = readFileSync(join(__dirname, '../../README.md'), 'utf8');
    expect(withDiagram(readme, diagramSection())).toBe(readme);
  }, 60_000);

  describe.each(['console', 'rotation'] as const)('the %s state machine', (surface) => {
    test('draws every transition of the definition once, each with the label its kind calls for', () => {
      const definition = definitions[surface];
      const chart = mermaidOf(definition);
      const drawn = edgesOf(chart).filter((edge) => edge.from !== 'start(("start"))');
      const expected: Edge[] = [];
      const choiceEdges: Array<{ edge: Edge; rule: Record<string, unknown> }> = [];
      for (const [name, state] of Object.entries(definition.States)) {
        if (state.Next !== undefined) expected.push({ from: id(name), arrow: '-->', label: undefined, to: id(state.Next) });
        for (const rule of state.Choices ?? []) {
          const edge: Edge = { from: id(name), arrow: '-->', label: condition(rule), to: id(rule.Next) };
          expected.push(edge);
          choiceEdges.push({ edge, rule });
        }
        if (state.Default !== undefined) expected.push({ from: id(name), arrow: '-->', label: 'otherwise', to: id(state.Default) });
        for (const caught of state.Catch ?? []) expected.push({ from: id(name), arrow: '-.->', label: caught.ErrorEquals.join(', '), to: id(caught.Next) });
        if (state.End === true || state.Type === 'Succeed') expected.push({ from: id(name), arrow: '-->', label: undefined, to: 'finish(("end"))' });
      }
      const order = (edges: Edge[]) => edges.map((edge) => `${key(edge)} [${edge.label ?? ''}]`).sort();
      expect(order(drawn)).toEqual(order(expected));
      expect(chart).toContain(`start(("start")) --> ${id(definition.StartAt)}`);

      // Every rule of the synthesized definitions is one the generator can read: none is labelled with a guess.
      expect(choiceEdges.length).toBeGreaterThan(0);
      for (const { edge } of choiceEdges) {
        expect(edge.label).not.toMatch(/unknown rule|unreadable|valid input/);
        expect(edge.label).not.toBe('');
      }
      // The catches the restart paths depend on, with their error names.
      const catches = drawn.filter((edge) => edge.arrow === '-.->');
      expect(catches.length).toBeGreaterThan(0);
      expect(catches).toContainEqual({
        from: id('mPower: Log in'),
        arrow: '-.->',
        label: 'ChangeOutcomeUnknownError, SessionExpiredError, States.Timeout',
        to: id('mPower: Count restart'),
      });
      expect(catches).toContainEqual({
        from: id('SD-WAN Edge: Log in and change password'),
        arrow: '-.->',
        label: 'DeviceOutOfSyncRecoverableError',
        to: id('SD-WAN Edge: Reset with privileged account'),
      });
    });

    test('labels each choice with its condition', () => {
      const chart = mermaidOf(definitions[surface]);
      const edges = edgesOf(chart);
      for (const prefix of ['mPower', 'WSO2 EMM', 'SD-WAN Edge', 'Unified Assurance']) {
        // The restart limit is a numeric comparison: it reads as one, not as "valid input".
        // A conversation's bound may come from its device secret (conversation.maxRestarts), else the workflow's 3.
        const limits = prefix === 'mPower' ? ['maxRestarts present and count > maxRestarts', 'maxRestarts absent and count > 3'] : ['count > 3'];
        for (const label of limits) expect(edges).toContainEqual({ from: id(`${prefix}: Restart again?`), arrow: '-->', label, to: id(`${prefix}: Too many restarts`) });
        expect(edges).toContainEqual({ from: id(`${prefix}: Action`), arrow: '-->', label: 'action = verify', to: id(`${prefix}: Verify current password`) });
      }
      for (const vendor of VENDORS) expect(edges.filter((edge) => edge.from === id('Which vendor?') && edge.label === `vendor = ${vendor}`)).toHaveLength(1);
      expect(edges).toContainEqual({ from: id('Which vendor?'), arrow: '-->', label: 'otherwise', to: id('Unknown vendor') });
      expect(edges).toContainEqual({ from: id('Check input'), arrow: '-->', label: 'otherwise', to: id('Invalid input') });
      const checked = edges.find((edge) => edge.from === id('Check input') && edge.to === id('Start'))?.label;
      expect(checked).toBe(
        surface === 'console'
          ? 'action is a string and secretArn is a string and (action = rotate or action = verify or action = abandon or action = heartbeat)'
          : 'action is a string and ((secretArn is a string and action = verify) or (secretArn is a string and token is a string and (action = set or action = test)))',
      );
    });
  });

  test('draws transitions, choices with their conditions, and caught errors', () => {
    const chart = mermaidOf({
      StartAt: 'A',
      States: {
        A: { Type: 'Task', Next: 'B', Catch: [{ ErrorEquals: ['X', 'Y'], Next: 'C' }] },
        B: { Type: 'Choice', Choices: [{ Variable: '$.device.vendor', StringEquals: 'wso2-emm', Next: 'C' }], Default: 'D' },
        C: { Type: 'Succeed' },
        D: { Type: 'Fail' },
      },
    });
    expect(chart).toContain('start(("start")) --> s_A');
    expect(chart).toContain('s_A --> s_B');
    expect(chart).toContain('s_A -.->|"X, Y"| s_C');
    expect(chart).toContain('s_B -->|"vendor = wso2-emm"| s_C');
    expect(chart).toContain('s_B -->|otherwise| s_D');
    expect(chart).toContain('s_D[["✗ D"]]');
    expect(chart).toContain('s_C --> finish(("end"))');
  });

  test('reads each kind of Choice rule, and names the ones it cannot read instead of guessing', () => {
    expect(condition({ Variable: '$.action', StringEquals: 'rotate' })).toBe('action = rotate');
    expect(condition({ Variable: '$.restarts.count', NumericGreaterThan: 3 })).toBe('count > 3');
    expect(condition({ Variable: '$.n', NumericLessThanEquals: 2 })).toBe('n ≤ 2');
    expect(condition({ Variable: '$.a', StringEqualsPath: '$.b' })).toBe('a = b');
    expect(condition({ Variable: '$.flag', BooleanEquals: false })).toBe('flag = false');
    expect(condition({ Variable: '$.token', IsPresent: true })).toBe('token present');
    expect(condition({ Variable: '$.token', IsPresent: false })).toBe('token absent');
    expect(condition({ Variable: '$.token', IsString: false })).toBe('token is not a string');
    expect(condition({ And: [{ Variable: '$.token', IsPresent: true }, { Variable: '$.token', IsString: true }] })).toBe('token is a string');
    expect(condition({ And: [{ Variable: '$.token', IsPresent: true }, { Variable: '$.other', IsString: true }] })).toBe('token present and other is a string');
    expect(condition({ Or: [{ Variable: '$.a', StringEquals: 'x' }, { And: [{ Variable: '$.b', StringEquals: 'y' }, { Variable: '$.c', StringEquals: 'z' }] }] })).toBe(
      'a = x or (b = y and c = z)',
    );
    expect(condition({ Not: { Variable: '$.a', StringEquals: 'x' } })).toBe('not a = x');
    expect(condition({ Not: { Or: [{ Variable: '$.a', StringEquals: 'x' }, { Variable: '$.a', StringEquals: 'y' }] } })).toBe('not (a = x or a = y)');
    expect(condition({ Or: [{ Variable: '$.a', StringEquals: 'x' }] })).toBe('a = x');
    expect(condition({ Variable: '$.a', StringSoundsLike: 'x' })).toBe('unknown rule: StringSoundsLike on a');
    expect(condition({ Condition: '{% $a %}' })).toBe('unknown rule: Condition');
  });
});
