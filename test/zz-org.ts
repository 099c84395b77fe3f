import { join } from 'path';
import { OfflineTerraform } from './terraform/harness';
const tf = new OfflineTerraform(['aws_iam_policy', 'aws_iam_role', 'aws_iam_role_policy_attachment', 'aws_iam_role_policy_attachments_exclusive', 'aws_cloudformation_stack_set', 'aws_cloudformation_stack_set_instance'], ['aws_partition']);
const tree = tf.copyTree('/work/wt-modules', ['modules']);
const dir = join(tree, 'modules', 'qualys-organization');
const init = tf.run(dir, ['init', '-backend=false', '-input=false']);
const r = tf.run(dir, ['validate']);
console.log(init.status, r.status, init.stderr.slice(0, 1500), r.stderr.slice(0, 4000), r.stdout.slice(0, 200));
tf.dispose();
