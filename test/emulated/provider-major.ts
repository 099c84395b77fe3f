/*
 * A stack synthesized for AWS provider 6 as it reads for provider 5, by the rule of src/rules/aws-provider.ts: the
 * provider requirement of 5's bindings, and the member-region argument under 5's name. For the release fixtures,
 * which were recorded with the provider 6 bindings; the app synthesizes for 5 itself.
 */
import { AWS_PROVIDER_MAJORS } from '../../src/rules/aws-provider';

type Json = Record<string, unknown>;

export function forProvider5(stack: Json): Json {
  const copy = structuredClone(stack) as Json & {
    terraform?: { required_providers?: { aws?: Json } };
    resource?: Record<string, Record<string, Json>>;
  };
  const aws = copy.terraform?.required_providers?.aws;
  if (aws) aws.version = AWS_PROVIDER_MAJORS[5].testedVersions[0];
  const from = AWS_PROVIDER_MAJORS[6].memberRegionArgument;
  const to = AWS_PROVIDER_MAJORS[5].memberRegionArgument;
  for (const instance of Object.values(copy.resource?.aws_cloudformation_stack_set_instance ?? {})) {
    if (from in instance) {
      instance[to] = instance[from];
      delete instance[from];
    }
  }
  return copy;
}
