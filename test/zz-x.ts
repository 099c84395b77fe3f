import { OfflineTerraform } from './terraform/harness';
const tf = new OfflineTerraform(['aws_iam_policy', 'aws_iam_role', 'aws_iam_role_policy_attachment', 'aws_iam_role_policy_attachments_exclusive', 'aws_cloudformation_stack_set', 'aws_cloudformation_stack_set_instance'], ['aws_partition']);
const dir = tf.copyOf('/tmp/tfx') + '/examples/terraform/organization';
console.log(tf.run(dir, ['init', '-backend=false']).status, tf.run(dir, ['validate']).stderr.slice(0, 600));
tf.dispose();
