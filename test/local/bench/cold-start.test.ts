import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  bundleEntry,
  entryOfKind,
  loadTimingOf,
  ownCodeMsOf,
  projectFunctionsOf,
  sdkExternalsOf,
  timeRequireInFreshNode,
} from '../../../local/bench/cold-start';

describe('cold-start bench: what is in a bundle', () => {
  test('a device function bundle keeps the AWS SDK external and requires the Secrets Manager client', async () => {
    const bundle = await bundleEntry(entryOfKind('device:wso2-emm'));

    const inputs = Object.keys(bundle.metafile.inputs);
    expect(inputs).toContain('lambda/vendors/wso2-emm/handler.ts');
    expect(inputs.filter((input) => input.includes('node_modules/@aws-sdk/'))).toEqual([]);
    expect(bundle.sdkExternals).toContain('@aws-sdk/client-secrets-manager');
    expect(bundle.topInputs.map(({ bytes }) => bytes)).toEqual([...bundle.topInputs.map(({ bytes }) => bytes)].sort((a, b) => b - a));
  });

  test('lists each required @aws-sdk module once, sorted, and nothing else', () => {
    const code =
      'var a=require("@aws-sdk/client-sfn"),b=require("node:crypto");' +
      'var c=require("@aws-sdk/client-kms"),d=require( "@aws-sdk/client-sfn" ),e=require("zod");';
    expect(sdkExternalsOf(code)).toEqual(['@aws-sdk/client-kms', '@aws-sdk/client-sfn']);
  });
});

describe('cold-start bench: the functions of the template', () => {
  const lambdaFunction = (variables: Record<string, unknown>, assetPath?: string) => ({
    Type: 'AWS::Lambda::Function',
    Metadata: assetPath ? { 'aws:asset:path': assetPath } : {},
    Properties: { Environment: { Variables: variables } },
  });

  test("takes the project's functions by FUNCTION_KIND, with their asset directory and NODE_OPTIONS", () => {
    const template = {
      Resources: {
        Rotation: lambdaFunction({ FUNCTION_KIND: 'rotation', NODE_OPTIONS: '--enable-source-maps' }, 'asset.r'),
        Device: lambdaFunction({ FUNCTION_KIND: 'device:wso2-emm' }, 'asset.d'),
        LogRetention: lambdaFunction({}, 'asset.cdk'),
        Key: { Type: 'AWS::KMS::Key' },
      },
    };

    expect(projectFunctionsOf(template, '/out')).toEqual([
      { logicalId: 'Rotation', kind: 'rotation', name: 'rotation', bundleDir: '/out/asset.r', nodeOptions: '--enable-source-maps' },
      { logicalId: 'Device', kind: 'device:wso2-emm', name: 'wso2-emm', bundleDir: '/out/asset.d', nodeOptions: '' },
    ]);
  });

  test('refuses a template synthesized without asset metadata', () => {
    const template = { Resources: { Rotation: lambdaFunction({ FUNCTION_KIND: 'rotation' }) } };
    expect(() => projectFunctionsOf(template, '/out')).toThrow(/aws:cdk:enable-asset-metadata/);
  });

  test('maps function kinds to their handler entries', () => {
    expect(entryOfKind('rotation')).toBe('lambda/handlers/rotation.ts');
    expect(entryOfKind('device:oracle-sdwan-edge')).toBe('lambda/vendors/oracle-sdwan-edge/handler.ts');
    expect(() => entryOfKind('something')).toThrow(/something/);
  });
});

describe('cold-start bench: load time', () => {
  test("own code is median(bundle) − median(SDK only), with the median of an even count halfway between", () => {
    const bundle = loadTimingOf([50, 10, 40, 30]);
    const sdkOnly = loadTimingOf([12, 8, 10]);

    expect(bundle).toEqual({ medianMs: 35, minMs: 10, samplesMs: [50, 10, 40, 30] });
    expect(sdkOnly.medianMs).toBe(10);
    expect(ownCodeMsOf(bundle, sdkOnly)).toBe(25);
  });

  describe('in a fresh node', () => {
    let dir: string;
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'cold-start-'));
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    test("resolves the AWS SDK from the project's node_modules for a bundle outside the repository", async () => {
      const from = join(dir, 'index.js');
      writeFileSync(from, 'module.exports = require("@aws-sdk/client-secrets-manager");');

      const ms = await timeRequireInFreshNode({ from, modules: [from] });

      expect(Number.isFinite(ms)).toBe(true);
    });

    test('fails with the error of a module that does not load, rather than timing it', async () => {
      const from = join(dir, 'broken.js');
      writeFileSync(from, 'throw new Error("broken at load");');

      await expect(timeRequireInFreshNode({ from, modules: [from] })).rejects.toThrow(/broken at load/);
    });
  });
});
