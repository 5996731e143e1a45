import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { VENDOR_MODULES } from '../../lambda/vendors';
import { functionSpans, ROOT, sourceFiles } from './source-files';

/**
 * The shape of the tree: no function in `infra/` longer than about 100 lines, and no vendor named outside the vendor
 * modules, the vendor list and tests, so that adding a vendor touches its module, its simulator and one list line.
 */
test('no function in infra/ is longer than 100 lines', () => {
  const long = sourceFiles('infra')
    .flatMap(functionSpans)
    .filter((span) => span.lines > 100)
    .map((span) => `${span.file} ${span.name}: ${span.lines} lines`);
  expect(long).toEqual([]);
});

/** Every way the vendors are written: ids, labels, and the product names and former names they go by. */
function vendorWords(): RegExp {
  const words = new Set<string>();
  for (const module of VENDOR_MODULES) {
    words.add(module.id);
    words.add(module.label);
    words.add(module.shortLabel);
    for (const part of module.id.split('-')) if (part.length > 4) words.add(part);
  }
  for (const extra of ['SD-WAN', 'sdwan', 'Talari', 'Assure1', 'Federos']) words.add(extra);
  const escaped = [...words].map((word) => word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`(${escaped.join('|')})`, 'i');
}

/** Where vendors may be named: their own module folder and simulator, the two lists. */
function mayNameVendors(file: string): boolean {
  if (/^lambda\/vendors\/[a-z0-9-]+\//.test(file)) return true;
  if (file === 'lambda/vendors/index.ts' || file === 'local/simulators/index.ts') return true;
  const simulators = ['mpower', 'wso2-emm', 'sdwan-edge', 'unified-assurance'].map((name) => `local/simulators/${name}.ts`);
  return simulators.includes(file);
}

test('no vendor is named outside its module, its simulator and the vendor lists', () => {
  const pattern = vendorWords();
  const found: string[] = [];
  for (const file of [...sourceFiles('lambda'), ...sourceFiles('infra'), ...sourceFiles('local'), ...sourceFiles('cli')].filter((f) => !mayNameVendors(f))) {
    readFileSync(path.join(ROOT, file), 'utf8')
      .split('\n')
      .forEach((line, index) => {
        const match = pattern.exec(line);
        if (match !== null) found.push(`${file}:${index + 1}: ${match[1]}`);
      });
  }
  expect(found).toEqual([]);
});

test('the vendor-name check would see a vendor named in a generic module', () => {
  expect(vendorWords().test("if (vendor === 'oracle-sdwan-edge')")).toBe(true);
  expect(vendorWords().test('// mPower answers 401')).toBe(true);
  expect(vendorWords().test('const device = await startSimulator(vendor, options);')).toBe(false);
});
