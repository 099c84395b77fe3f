// Terraform and the cdktf CLI must never phone home from tests.
process.env.CHECKPOINT_DISABLE = '1';
// The emulated-AWS tests pin an AWS SDK release that runs on this Node.js; its notice about later releases is noise.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
