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

/** The toolchain the environment asks for (CDK for Terraform when it names none); an unknown name is an error. */
function toolchainFromEnv(env = process.env) {
  const name = env[TOOLCHAIN_VARIABLE];
  if (name === undefined || name === '') return 'cdktf';
  if (Object.hasOwn(TOOLCHAINS, name)) return name;
  throw new Error(
    `${TOOLCHAIN_VARIABLE}=${JSON.stringify(name)} is not a toolchain: use one of ${Object.keys(TOOLCHAINS).join(', ')} (cdktf when unset)`,
  );
}

/** The toolchain for a command line: as `toolchainFromEnv`, or the reason on stderr and exit code 2. */
function toolchainOrExit(env = process.env) {
  try {
    return toolchainFromEnv(env);
  } catch (error) {
    process.stderr.write(`${error.message}\n`);
    process.exit(2);
  }
}

/** Module names to swap: esbuild's `alias` option, from CDK for Terraform's names to the toolchain's. */
function aliases(toolchain) {
  const from = TOOLCHAINS.cdktf;
  const to = TOOLCHAINS[toolchain];
  return toolchain === 'cdktf' ? {} : { [from.core]: to.core, [from.provider]: to.provider };
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

module.exports = { TOOLCHAINS, TOOLCHAIN_VARIABLE, toolchainFromEnv, toolchainOrExit, aliases, rewriteSpecifiers };
