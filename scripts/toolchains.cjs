// The two toolchains the constructs, the app and the commands run on, and the one rule that moves code from the
// first to the second. CDK Terrain (cdktn) is CDK for Terraform continued under new package names, with the same
// classes, cdktf.json, cdktf.out and CDKTF_* variables: the source imports cdktf, and each cdktn build (the app's
// bundle, the package's `./cdktn` entry point) is the same code with the module names below swapped.
'use strict';

const TOOLCHAINS = {
  cdktf: { core: 'cdktf', provider: '@cdktf/provider-aws', cli: 'cdktf-cli', bin: 'cdktf' },
  cdktn: { core: 'cdktn', provider: '@cdktn/provider-aws', cli: 'cdktn-cli', bin: 'cdktn.js' },
};

/** The variable that chooses the toolchain of the app and the commands in this repository. */
const TOOLCHAIN_VARIABLE = 'QUALYS_CONNECTOR_TOOLCHAIN';

/**
 * The AWS provider majors the app synthesizes for, with the bindings package each toolchain has for it in this
 * repository (`cdktf-provider-aws-v5` is @cdktf/provider-aws 20.1.0, installed under that name beside 21.22.1).
 * The stacks differ by major only as src/rules/aws-provider.ts says; a test ties its majors to these.
 */
const AWS_PROVIDER_BINDINGS = {
  cdktf: { 5: 'cdktf-provider-aws-v5', 6: '@cdktf/provider-aws' },
  cdktn: { 6: '@cdktn/provider-aws' },
};

/** The variable that chooses the AWS provider major the app synthesizes for (6 when unset). */
const AWS_PROVIDER_VARIABLE = 'QUALYS_CONNECTOR_AWS_PROVIDER';

/** The toolchain the environment asks for (CDK for Terraform when it names none); an unknown name is an error. */
function toolchainFromEnv(env = process.env) {
  const name = env[TOOLCHAIN_VARIABLE];
  if (name === undefined || name === '') return 'cdktf';
  if (Object.hasOwn(TOOLCHAINS, name)) return name;
  throw new Error(
    `${TOOLCHAIN_VARIABLE}=${JSON.stringify(name)} is not a toolchain: use one of ${Object.keys(TOOLCHAINS).join(', ')} (cdktf when unset)`,
  );
}

/** The AWS provider major the environment asks for with this toolchain (6 when unset); anything else is an error. */
function awsProviderFromEnv(toolchain, env = process.env) {
  const value = env[AWS_PROVIDER_VARIABLE];
  const majors = AWS_PROVIDER_BINDINGS[toolchain];
  if (value === undefined || value === '') return 6;
  if (Object.hasOwn(majors, value)) return Number(value);
  const others = Object.entries(AWS_PROVIDER_BINDINGS)
    .filter(([name, bindings]) => name !== toolchain && Object.hasOwn(bindings, value))
    .map(([name]) => name);
  throw new Error(
    `${AWS_PROVIDER_VARIABLE}=${JSON.stringify(value)} is not an AWS provider major the ${toolchain} toolchain has bindings for: use ${Object.keys(majors).join(' or ')} (6 when unset)` +
      (others.length > 0 ? `; major ${value} needs ${TOOLCHAIN_VARIABLE}=${others.join(' or ')}` : ''),
  );
}

/** The toolchain and provider major for a command line, or the reason on stderr and exit code 2. */
function toolchainOrExit(env = process.env) {
  try {
    const toolchain = toolchainFromEnv(env);
    awsProviderFromEnv(toolchain, env);
    return toolchain;
  } catch (error) {
    process.stderr.write(`${error.message}\n`);
    process.exit(2);
  }
}

/**
 * Module names to swap: esbuild's `alias` option, from CDK for Terraform's names (and its bindings of the default
 * provider major) to the toolchain's, with the bindings of the provider major asked for.
 */
function aliases(toolchain, awsProvider = 6) {
  const from = TOOLCHAINS.cdktf;
  const to = TOOLCHAINS[toolchain];
  const bindings = AWS_PROVIDER_BINDINGS[toolchain][awsProvider];
  if (bindings === undefined)
    throw new Error(`the ${toolchain} toolchain has no bindings for AWS provider ${awsProvider}`);
  const swaps = toolchain === 'cdktf' ? {} : { [from.core]: to.core };
  return bindings === from.provider ? swaps : { ...swaps, [from.provider]: bindings };
}

/**
 * Compiled code (CommonJS or declarations) with each module specifier of CDK for Terraform's packages swapped for
 * the toolchain's: `require("cdktf")`, `from "cdktf"`, `import("@cdktf/provider-aws/lib/x")`. Only specifiers:
 * a string that merely reads "cdktf" elsewhere is left alone.
 */
function rewriteSpecifiers(code, toolchain) {
  const swaps = aliases(toolchain);
  return code.replace(
    /(\brequire\(|\bfrom |\bimport\(|^import )(["'])([^"'\n]+)\2/gm,
    (whole, keyword, quote, specifier) => {
      for (const [from, to] of Object.entries(swaps)) {
        if (specifier === from || specifier.startsWith(`${from}/`)) {
          return `${keyword}${quote}${to}${specifier.slice(from.length)}${quote}`;
        }
      }
      return whole;
    },
  );
}

module.exports = {
  TOOLCHAINS,
  TOOLCHAIN_VARIABLE,
  AWS_PROVIDER_BINDINGS,
  AWS_PROVIDER_VARIABLE,
  toolchainFromEnv,
  awsProviderFromEnv,
  toolchainOrExit,
  aliases,
  rewriteSpecifiers,
};
