#!/usr/bin/env node
/*
 * Offline stand-in for registry.terraform.io/hashicorp/aws, for tests only. It speaks Terraform's plugin
 * protocol 6 and serves the schema generated from the @cdktf/provider-aws bindings (a JSON file named by
 * QUALYS_OFFLINE_PROVIDER_SCHEMA), so `terraform init`, `validate` and `test` with `mock_provider` can check
 * configurations without network. It validates nothing AWS-specific and pretends no AWS behaviour.
 *
 * Plain JavaScript, loaded lazily: Terraform starts it for every command.
 */
'use strict';

const MAGIC_COOKIE_KEY = 'TF_PLUGIN_MAGIC_COOKIE';
const MAGIC_COOKIE_VALUE = 'd602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2';

if (process.env[MAGIC_COOKIE_KEY] !== MAGIC_COOKIE_VALUE) {
  process.stderr.write('This is a Terraform provider plugin for tests; Terraform starts it, not people.\n');
  process.exit(1);
}
if (process.env.PLUGIN_CLIENT_CERT) {
  process.stderr.write('The offline provider serves plain gRPC only: run Terraform with TF_DISABLE_PLUGIN_TLS=1.\n');
  process.exit(1);
}

const fs = require('fs');
const path = require('path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');
const { Decoder, Encoder, ExtensionCodec } = require('@msgpack/msgpack');

const schemaFile = process.env.QUALYS_OFFLINE_PROVIDER_SCHEMA;
if (!schemaFile) {
  process.stderr.write('QUALYS_OFFLINE_PROVIDER_SCHEMA must name the schema JSON file.\n');
  process.exit(1);
}
const schemas = JSON.parse(fs.readFileSync(schemaFile, 'utf8'));

const loadOptions = { keepCase: true, longs: Number, enums: String, defaults: true, oneofs: true };
const tfplugin6 = grpc.loadPackageDefinition(protoLoader.loadSync(path.join(__dirname, 'tfplugin6.proto'), loadOptions)).tfplugin6;
const plugin = grpc.loadPackageDefinition(protoLoader.loadSync(path.join(__dirname, 'plugin.proto'), loadOptions)).plugin;

/* Values travel as msgpack. Terraform marks unknown values with an extension; this provider never invents
 * values, so wherever a final value is required an unknown becomes null. */
const UNKNOWN = Symbol('unknown');
const extensionCodec = new ExtensionCodec();
const decoder = new Decoder({ extensionCodec, useBigInt64: false });
const encoder = new Encoder({ extensionCodec });
function decode(dynamicValue) {
  if (!dynamicValue || !dynamicValue.msgpack || dynamicValue.msgpack.length === 0) return null;
  // Any extension type is an unknown value.
  const saved = extensionCodec.decode;
  extensionCodec.decode = () => UNKNOWN;
  try {
    return decoder.decode(dynamicValue.msgpack);
  } finally {
    extensionCodec.decode = saved;
  }
}
function withoutUnknowns(value) {
  if (value === UNKNOWN) return null;
  if (Array.isArray(value)) return value.map(withoutUnknowns);
  if (value && typeof value === 'object' && !(value instanceof Uint8Array)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withoutUnknowns(v)]));
  }
  return value;
}
function known(dynamicValue) {
  return { msgpack: Buffer.from(encoder.encode(withoutUnknowns(decode(dynamicValue)))) };
}

function toBlock(block) {
  return {
    version: 0,
    attributes: block.attributes.map((a) => ({
      name: a.name,
      type: Buffer.from(JSON.stringify(a.type)),
      required: a.required,
      optional: a.optional,
      computed: a.computed,
    })),
    block_types: block.blockTypes.map((b) => ({ type_name: b.typeName, nesting: b.nesting, block: toBlock(b.block) })),
  };
}
const schemaResponse = {
  provider: { version: 0, block: toBlock(schemas.provider) },
  resource_schemas: Object.fromEntries(Object.entries(schemas.resources).map(([t, b]) => [t, { version: 0, block: toBlock(b) }])),
  data_source_schemas: Object.fromEntries(Object.entries(schemas.dataSources).map(([t, b]) => [t, { version: 0, block: toBlock(b) }])),
  diagnostics: [],
  server_capabilities: { plan_destroy: false, get_provider_schema_optional: false },
};

const ok = (response = {}) => (_call, callback) => callback(null, { diagnostics: [], ...response });

const server = new grpc.Server();
server.addService(tfplugin6.Provider.service, {
  GetMetadata: ok({
    server_capabilities: schemaResponse.server_capabilities,
    resources: Object.keys(schemas.resources).map((type_name) => ({ type_name })),
    data_sources: Object.keys(schemas.dataSources).map((type_name) => ({ type_name })),
  }),
  GetProviderSchema: (_call, callback) => callback(null, schemaResponse),
  ValidateProviderConfig: ok(),
  ValidateResourceConfig: ok(),
  ValidateDataResourceConfig: ok(),
  ConfigureProvider: ok(),
  StopProvider: (_call, callback) => callback(null, { Error: '' }),
  // State written by this provider is stored as JSON; hand it back unchanged.
  UpgradeResourceState: (call, callback) => callback(null, { upgraded_state: { json: call.request.raw_state.json }, diagnostics: [] }),
  ReadResource: (call, callback) => callback(null, { new_state: call.request.current_state, private: call.request.private, diagnostics: [] }),
  PlanResourceChange: (call, callback) =>
    callback(null, { planned_state: call.request.proposed_new_state, planned_private: call.request.prior_private, requires_replace: [], diagnostics: [] }),
  ApplyResourceChange: (call, callback) => callback(null, { new_state: known(call.request.planned_state), private: call.request.planned_private, diagnostics: [] }),
  ReadDataSource: (call, callback) => callback(null, { state: known(call.request.config), diagnostics: [] }),
});
server.addService(plugin.GRPCController.service, {
  // Without this Terraform waits two seconds for the process to end on its own.
  Shutdown: (_call, callback) => {
    callback(null, {});
    setImmediate(() => server.tryShutdown(() => process.exit(0)));
  },
});

server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, port) => {
  if (error) {
    process.stderr.write(`cannot listen: ${error.message}\n`);
    process.exit(1);
  }
  // go-plugin handshake: core protocol 1, plugin protocol 6, address, gRPC.
  process.stdout.write(`1|6|tcp|127.0.0.1:${port}|grpc|\n`);
});
