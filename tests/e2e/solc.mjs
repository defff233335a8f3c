// Compiles Solidity sources with the npm `solc` package (soljson, no download at run time), for the chain's
// hard fork: the Hardhat project's contracts (../hardhat/contracts, shared) and any file with its imports.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import solc from 'solc';

/** Compiles ../hardhat/contracts/<file> and returns { abi, bytecode } of contract `name`. */
export function compile(file, name, evmVersion = 'prague') {
  const source = readFileSync(new URL(`../hardhat/contracts/${file}`, import.meta.url), 'utf8');
  const input = {
    language: 'Solidity',
    sources: { [file]: { content: source } },
    settings: { evmVersion, optimizer: { enabled: true, runs: 200 }, outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object'] } } },
  };
  const output = JSON.parse(solc.compile(JSON.stringify(input)));
  const errors = (output.errors ?? []).filter((e) => e.severity === 'error');
  if (errors.length) throw new Error(errors.map((e) => e.formattedMessage).join('\n'));
  const contract = output.contracts[file][name];
  return { abi: contract.abi, bytecode: `0x${contract.evm.bytecode.object}` };
}

/**
 * Compiles the Solidity file at `url` (a file: URL inside the repository; its imports are read
 * relative to it) and returns { abi, bytecode } of contract `name`.
 */
export function compileFile(url, name, evmVersion = 'prague') {
  const root = new URL('../../', import.meta.url).pathname;
  // Source units are named by their path in the repository, so `import "../X.sol"` resolves.
  const file = path.relative(root, url.pathname);
  const input = {
    language: 'Solidity',
    sources: { [file]: { content: readFileSync(url, 'utf8') } },
    settings: { evmVersion, optimizer: { enabled: true, runs: 200 }, outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object'] } } },
  };
  const findImports = (unit) => {
    try {
      return { contents: readFileSync(path.join(root, unit), 'utf8') };
    } catch (e) {
      return { error: `${unit}: ${e.message}` };
    }
  };
  const output = JSON.parse(solc.compile(JSON.stringify(input), { import: findImports }));
  const errors = (output.errors ?? []).filter((e) => e.severity === 'error');
  if (errors.length) throw new Error(errors.map((e) => e.formattedMessage).join('\n'));
  const contract = output.contracts[file][name];
  return { abi: contract.abi, bytecode: `0x${contract.evm.bytecode.object}` };
}
