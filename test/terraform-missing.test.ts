import { mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { requireTerraform } from './terraform/harness';

test('without terraform on the PATH, the Terraform checks fail saying how to install it', () => {
  const emptyDir = mkdtempSync(join(tmpdir(), 'qualys-no-terraform-'));
  try {
    expect(() => requireTerraform({ ...process.env, PATH: emptyDir })).toThrow(
      /^terraform is not on the PATH\. .*install it as described at https:\/\/developer\.hashicorp\.com\/terraform\/install$/,
    );
  } finally {
    rmSync(emptyDir, { recursive: true, force: true });
  }
  expect(() => requireTerraform()).not.toThrow();
});
