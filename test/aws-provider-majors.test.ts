import { readFileSync, readdirSync } from 'fs';
import { join } from 'path';
import {
  AWS_PROVIDER_MAJORS,
  AWS_PROVIDER_MAJOR_NUMBERS,
  MEMBER_REGION_ARGUMENT_OF_EVERY_MAJOR,
  MODULE_AWS_PROVIDER_CONSTRAINT,
  awsProviderMajor,
  memberRegionOf,
} from '../src/rules/aws-provider';
import { PROJECT_ROOT } from './support/app-process';
import { exampleConfigs, sharedOutdir } from './support/examples';
import { sharedSynthesisDir } from './support/scratch';
import { readJson } from './terraform/harness';
import { bindingsProviderVersion } from './terraform/schema';

/*
 * AWS provider 5 and 6 from one source. The app synthesizes every example for both majors (the global setup:
 * QUALYS_CONNECTOR_AWS_PROVIDER=5 bundles the app against @cdktf/provider-aws 20.1.0), and the two syntheses differ
 * exactly where src/rules/aws-provider.ts says they do: the provider requirement the bindings write, and the name of
 * the member-region argument. The emulated tier applies the provider 5 syntheses with the real provider binary.
 * Full tier.
 */

// eslint-disable-next-line @typescript-eslint/no-require-imports
const toolchains = require('../scripts/toolchains.cjs') as {
  AWS_PROVIDER_BINDINGS: Record<string, Record<string, string>>;
};

interface Difference {
  readonly path: string;
  readonly six: unknown;
  readonly five: unknown;
}

function differences(a: unknown, b: unknown, path = ''): Difference[] {
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
  if (isObject(a) && isObject(b) && Array.isArray(a) === Array.isArray(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    return keys.flatMap((key) => differences(a[key], b[key], path === '' ? key : `${path}.${key}`));
  }
  return JSON.stringify(a) === JSON.stringify(b) ? [] : [{ path, six: a, five: b }];
}

test("the app's bindings per major are the majors of the rule, and each package binds a version of its major", () => {
  for (const [toolchain, bindings] of Object.entries(toolchains.AWS_PROVIDER_BINDINGS)) {
    for (const [major, packageName] of Object.entries(bindings)) {
      const version = bindingsProviderVersion(packageName);
      expect([toolchain, packageName, awsProviderMajor(version)]).toEqual([toolchain, packageName, Number(major)]);
      expect(AWS_PROVIDER_MAJORS[Number(major) as 5 | 6].testedVersions).toContain(version);
    }
  }
  expect(Object.keys(toolchains.AWS_PROVIDER_BINDINGS.cdktf).map(Number)).toEqual(AWS_PROVIDER_MAJOR_NUMBERS);
});

test('a provider version outside the supported majors is refused, naming the bindings to install', () => {
  expect(() => awsProviderMajor('7.0.0')).toThrow(
    /AWS provider 7\.0\.0 is not supported.*@cdktf\/provider-aws@20\.1\.0/,
  );
  expect(() => awsProviderMajor('4.67.0')).toThrow(/major 5 or 6/);
  expect(awsProviderMajor('5.100.0')).toBe(5);
});

test('the member region is read from either major, the newer name first', () => {
  expect(memberRegionOf({ region: 'us-east-1' })).toBe('us-east-1');
  expect(memberRegionOf({ stack_set_instance_region: 'us-gov-west-1', region: 'us-gov-west-1' })).toBe('us-gov-west-1');
  expect(memberRegionOf({ stack_set_instance_region: 'eu-west-1', region: null })).toBe('eu-west-1');
  expect(memberRegionOf({})).toBeUndefined();
});

test('the modules write the member-region argument every supported major reads, and accept every tested version', () => {
  const main = readFileSync(join(PROJECT_ROOT, 'modules', 'qualys-organization', 'main.tf'), 'utf8');
  expect(main).toMatch(new RegExp(`^\\s+${MEMBER_REGION_ARGUMENT_OF_EVERY_MAJOR}\\s+= local\\.stack_set_region$`, 'm'));
  expect(main).not.toMatch(/stack_set_instance_region/);
  for (const major of AWS_PROVIDER_MAJOR_NUMBERS) {
    expect(['region', 'stack_set_instance_region']).toContain(AWS_PROVIDER_MAJORS[major].memberRegionArgument);
  }
  expect(MODULE_AWS_PROVIDER_CONSTRAINT).toBe('>= 5.100.0, < 7.0.0');
  for (const dir of readdirSync(join(PROJECT_ROOT, 'modules'), { withFileTypes: true }).filter((e) =>
    e.isDirectory(),
  )) {
    const versions = readFileSync(join(PROJECT_ROOT, 'modules', dir.name, 'versions.tf'), 'utf8');
    expect([dir.name, /[\s{,]version\s+= "([^"]+)"/.exec(versions)?.[1]]).toEqual([
      dir.name,
      MODULE_AWS_PROVIDER_CONSTRAINT,
    ]);
  }
});

describe.each(exampleConfigs().map(({ name }) => name))('%s', (example) => {
  test('the provider 5 synthesis differs from the provider 6 one only as the rule says', () => {
    const six = sharedOutdir(sharedSynthesisDir(6), example);
    const five = sharedOutdir(sharedSynthesisDir(5), example);
    const stacks = readdirSync(join(six, 'stacks')).sort();
    expect(readdirSync(join(five, 'stacks')).sort()).toEqual(stacks);
    for (const stack of stacks) {
      const a = readJson(join(six, 'stacks', stack, 'cdk.tf.json'));
      const b = readJson(join(five, 'stacks', stack, 'cdk.tf.json'));
      const instances = Object.keys(
        (a.resource as Record<string, Record<string, unknown>>).aws_cloudformation_stack_set_instance ?? {},
      );
      const region = (name: string, major: 5 | 6) =>
        `resource.aws_cloudformation_stack_set_instance.${name}.${AWS_PROVIDER_MAJORS[major].memberRegionArgument}`;
      const instance = (json: Record<string, unknown>, name: string) =>
        (json.resource as Record<string, Record<string, Record<string, unknown>>>)
          .aws_cloudformation_stack_set_instance[name];
      const expected: Difference[] = [
        ...instances.flatMap((name) => [
          { path: region(name, 5), six: undefined, five: memberRegionOf(instance(a, name)) },
          { path: region(name, 6), six: memberRegionOf(instance(a, name)), five: undefined },
        ]),
        {
          path: 'terraform.required_providers.aws.version',
          six: AWS_PROVIDER_MAJORS[6].testedVersions[0],
          five: AWS_PROVIDER_MAJORS[5].testedVersions[0],
        },
      ].sort((x, y) => (x.path < y.path ? -1 : 1));
      expect({ stack, found: differences(a, b) }).toEqual({ stack, found: expected });
    }
    expect(readJson(join(five, 'manifest.json'))).toEqual(readJson(join(six, 'manifest.json')));
  });
});
