import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { findMotoServer } from './emulator';
import { PROVIDER_MIRROR_VARIABLE, prepareRealProvider } from './real-terraform';

/*
 * The emulated tier never skips: without moto_server or a way for Terraform to install the real provider, the run
 * fails at once with a message that says how to get it. Each case is made here with an environment of its own.
 */

const folders: string[] = [];
const scratch = () => {
  const dir = mkdtempSync(join(tmpdir(), 'qualys-evaluators-'));
  folders.push(dir);
  return dir;
};
afterAll(() => folders.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

test('without moto_server on the PATH, the tier fails saying how to install it', () => {
  expect(() => findMotoServer({ ...process.env, PATH: scratch() })).toThrow(
    /^moto_server is not on the PATH\. .*pip install 'moto\[server\]'/,
  );
  expect(findMotoServer()).toMatch(/moto_server$/);
});

test('a mirror without the provider is named, with the layout it must have', async () => {
  const env = { ...process.env, [PROVIDER_MIRROR_VARIABLE]: scratch() };
  await expect(prepareRealProvider(scratch(), env)).rejects.toThrow(
    /QUALYS_TERRAFORM_PROVIDER_MIRROR=.* holds no hashicorp\/aws 5\.100\.0 for linux_\w+.*terraform providers mirror/,
  );
});

test('when Terraform cannot install the provider, the tier fails with its reason and every way to provide it', async () => {
  // A CLI configuration with no way to install hashicorp/aws: what a machine without registry or mirror has.
  const config = join(scratch(), 'terraform.rc');
  writeFileSync(
    config,
    'provider_installation {\n  direct {\n    exclude = ["registry.terraform.io/hashicorp/aws"]\n  }\n}\n',
  );
  const env: NodeJS.ProcessEnv = { ...process.env, TF_CLI_CONFIG_FILE: config };
  delete env[PROVIDER_MIRROR_VARIABLE];
  const failure = prepareRealProvider(scratch(), env);
  await expect(failure).rejects.toThrow(/Terraform could not install it/);
  await expect(failure).rejects.toThrow(
    /registry\.terraform\.io.*provider_installation.*QUALYS_TERRAFORM_PROVIDER_MIRROR/s,
  );
});
