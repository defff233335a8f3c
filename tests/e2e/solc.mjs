// Compiles the Solidity sources of ../hardhat/contracts (the Hardhat project's, shared) with the npm `solc` package (soljson, no
// download at run time), for the chain's hard fork.
import { readFileSync } from 'node:fs';
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
