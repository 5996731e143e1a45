import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { diagramSection, mermaidOf, withDiagram } from '../../local/diagram';

describe('state machine diagram', () => {
  test("README's picture is the one the synthesized definition gives (run `npm run diagram` after changing the workflow)", () => {
    const readme = readFileSync(join(__dirname, '../../README.md'), 'utf8');
    expect(withDiagram(readme, diagramSection())).toBe(readme);
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
    expect(chart).toContain('s_A -.->|"X, Y"| s_C');
    expect(chart).toContain('s_B -->|"vendor = wso2-emm"| s_C');
    expect(chart).toContain('s_B -->|otherwise| s_D');
    expect(chart).toContain('s_D[["✗ D"]]');
    expect(chart).toContain('s_C --> finish(("end"))');
  });
});
