import { spawnSync } from 'child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { synthConnector } from './support/synth';
import { requireTerraform } from './terraform/harness';

/*
 * The external ID variable's validation block, judged by the Terraform binary itself: the variable (and an
 * output using it) is planned in a configuration without providers, so no provider download is needed.
 */
const stack = synthConnector({
  accountType: 'global',
  capabilities: ['cspm'],
  externalId: { variable: 'external_id' },
});
let dir: string;

function terraform(args: string[]) {
  return spawnSync('terraform', args, {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, CHECKPOINT_DISABLE: '1', TF_IN_AUTOMATION: '1', TF_CLI_CONFIG_FILE: join(dir, 'none.tfrc') },
  });
}

beforeAll(() => {
  requireTerraform();
  dir = mkdtempSync(join(tmpdir(), 'qualys-tfvar-'));
  writeFileSync(join(dir, 'none.tfrc'), '');
  writeFileSync(
    join(dir, 'main.tf.json'),
    JSON.stringify({
      variable: stack.variable,
      output: { external_id: { value: '${var.external_id}', sensitive: true } },
    }),
  );
  const init = terraform(['init', '-input=false', '-no-color']);
  if (init.status !== 0) throw new Error(init.stderr);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

test.each(['EU2-2792719', 'US4-144359-1646867770137', 'ab', 'a'.repeat(1224), 'x+=,.@:/-_9'])(
  'Terraform accepts %s',
  (value) => {
    const plan = terraform(['plan', '-input=false', '-no-color', '-var', `external_id=${value}`]);
    expect(plan.stderr).toBe('');
    expect(plan.status).toBe(0);
  },
);

test.each(['a', 'a'.repeat(1225), 'EU2 2792719', 'EU2"1', 'EU2#1', ''])(
  'Terraform rejects %j with the rule',
  (value) => {
    const plan = terraform(['plan', '-input=false', '-no-color', '-var', `external_id=${value}`]);
    expect(plan.status).toBe(1);
    expect(plan.stderr).toContain('The external ID must be 2 to 1224 characters');
  },
);
