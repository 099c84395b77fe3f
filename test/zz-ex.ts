import { join } from 'path';
import { OfflineTerraform } from './terraform/harness';
const tf = new OfflineTerraform(['aws_iam_policy', 'aws_iam_role', 'aws_iam_role_policy_attachment', 'aws_iam_role_policy_attachments_exclusive', 'aws_cloudformation_stack_set', 'aws_cloudformation_stack_set_instance'], ['aws_partition']);
const tree = tf.copyTree('/work/wt-modules', ['modules', 'examples/terraform']);
for (const e of process.argv.slice(2)) {
  const dir = join(tree, 'examples/terraform', e);
  const init = tf.run(dir, ['init', '-backend=false', '-input=false']);
  const v = tf.run(dir, ['validate']);
  const t = tf.run(dir, ['test']);
  console.log('==', e, init.status, v.status, t.status, init.stderr.slice(0, 800), v.stderr.slice(0, 2500), t.stdout.slice(-1500), t.stderr.slice(0, 3500));
}
tf.dispose();
