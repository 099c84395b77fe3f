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

/* Values travel as msgpack; Terraform marks an unknown value with extension type 0. */
const UNKNOWN = Symbol('unknown');
const extensionCodec = new ExtensionCodec();
extensionCodec.register({
  type: 0,
  encode: (value) => (value === UNKNOWN ? new Uint8Array([0]) : null),
  decode: () => UNKNOWN,
});
const decoder = new Decoder({ extensionCodec, useBigInt64: false });
const encoder = new Encoder({ extensionCodec });
function decode(dynamicValue) {
  if (!dynamicValue || !dynamicValue.msgpack || dynamicValue.msgpack.length === 0) return null;
  return decoder.decode(dynamicValue.msgpack);
}
function encode(value) {
  return { msgpack: Buffer.from(encoder.encode(value)) };
}

/* The value a real provider would report after creating a resource is unknowable here: a computed attribute
 * left unknown by the plan becomes the empty value of its type ("" , 0, false, [], {}), so expressions over it
 * (for loops, flatten) still evaluate. */
function emptyOf(type) {
  if (type === 'string') return '';
  if (type === 'number') return 0;
  if (type === 'bool') return false;
  if (Array.isArray(type)) {
    if (type[0] === 'list' || type[0] === 'set') return [];
    if (type[0] === 'map') return {};
    if (type[0] === 'object') return Object.fromEntries(Object.entries(type[1]).map(([k, t]) => [k, emptyOf(t)]));
  }
  return null;
}
function filledIn(value, block) {
  if (value === null || typeof value !== 'object') return value;
  const out = { ...value };
  for (const attribute of block.attributes) if (out[attribute.name] === UNKNOWN) out[attribute.name] = emptyOf(attribute.type);
  return out;
}

/* As a real provider plans a create: every computed attribute the configuration leaves unset is unknown
 * until the resource exists. An update keeps the prior values (proposed_new_state already carries them). */
function plannedCreate(proposed, config, block) {
  const out = { ...proposed };
  for (const attribute of block.attributes) {
    if (attribute.computed && (config === null || config[attribute.name] === null || config[attribute.name] === undefined)) out[attribute.name] = UNKNOWN;
  }
  return out;
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
  PlanResourceChange: (call, callback) => {
    const { type_name, prior_state, proposed_new_state, config, prior_private } = call.request;
    const proposed = decode(proposed_new_state);
    const creating = decode(prior_state) === null && proposed !== null;
    const planned = creating ? encode(plannedCreate(proposed, decode(config), schemas.resources[type_name])) : proposed_new_state;
    callback(null, { planned_state: planned, planned_private: prior_private, requires_replace: [], diagnostics: [] });
  },
  ApplyResourceChange: (call, callback) => {
    const { type_name, planned_state, planned_private } = call.request;
    callback(null, { new_state: encode(filledIn(decode(planned_state), schemas.resources[type_name])), private: planned_private, diagnostics: [] });
  },
  ReadDataSource: (call, callback) => {
    const { type_name, config } = call.request;
    // A test can say what a data source reads (e.g. the partition of aws_partition): a JSON object of type to values.
    const given = JSON.parse(process.env.QUALYS_OFFLINE_PROVIDER_DATA || '{}')[type_name] || {};
    callback(null, { state: encode({ ...filledIn(decode(config), schemas.dataSources[type_name]), ...given }), diagnostics: [] });
  },
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
