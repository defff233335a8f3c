// A Solidity contract (contracts/Token.sol, compiled by the npm `solc` package) deployed and
// used through the Ethereum JSON-RPC by ethers.js v6 and viem 2 against a real accord-node
// (--dev): receipts, logs, blocks, event subscriptions (filters over HTTP, eth_subscribe over
// WebSocket), revert reasons, estimates, fees that match what Metering charged, and a node
// killed with SIGKILL right after a contract transaction that restarts with the same receipt,
// logs and storage.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ContractFactory, Contract, HDNodeWallet, JsonRpcProvider, WebSocketProvider, Interface, id } from 'ethers';
import { createPublicClient, createWalletClient, http, defineChain, parseAbi } from 'viem';
import { mnemonicToAccount } from 'viem/accounts';
import { spawnNode } from './node.mjs';
import { compile } from './solc.mjs';

const PHRASE = 'test test test test test test test test test test test junk';
const wallet = (i) => HDNodeWallet.fromPhrase(PHRASE, undefined, `m/44'/60'/0'/0/${i}`);
const SUPPLY = 1_000_000n * 10n ** 18n;

let node;
let base;
let provider;
let token;
let artifact;

const rpcProvider = (url) => {
  const p = new JsonRpcProvider(url, undefined, { staticNetwork: true, batchMaxCount: 1, polling: false });
  p.pollingInterval = 200;
  return p;
};

before(async () => {
  artifact = compile('Token.sol', 'Token');
  base = mkdtempSync(join(tmpdir(), 'accord-e2e-contracts-'));
  node = await spawnNode(['--dev', '--base-path', base, '--block-time-ms', '500']);
  provider = rpcProvider(node.httpUrl);
});

after(async () => {
  provider?.destroy();
  await node?.stop();
  rmSync(base, { recursive: true, force: true });
});

test('ethers.js deploys a Solidity token and waits for its receipt', async () => {
  const deployer = wallet(1).connect(provider);
  const gasPrice = await provider.send('eth_gasPrice', []);
  assert.ok(BigInt(gasPrice) > 0n, `eth_gasPrice is Metering's price of a gas: ${gasPrice}`);
  const factory = new ContractFactory(artifact.abi, artifact.bytecode, deployer);
  token = await factory.deploy(SUPPLY);
  await token.waitForDeployment();
  const receipt = await token.deploymentTransaction().wait();
  assert.equal(receipt.status, 1);
  assert.equal(receipt.contractAddress, await token.getAddress());
  assert.equal(receipt.to, null);
  // The constructor's Transfer(0 -> deployer) is the receipt's one log.
  assert.equal(receipt.logs.length, 1);
  const log = token.interface.parseLog(receipt.logs[0]);
  assert.equal(log.name, 'Transfer');
  assert.equal(log.args.to, deployer.address);
  assert.equal(await token.balanceOf(deployer.address), SUPPLY);
  assert.equal(await token.symbol(), 'ATT');
});

test('a transfer: receipt, logs, block, transaction and a fee equal to gasUsed × effectiveGasPrice', async () => {
  const sender = wallet(1).connect(provider);
  const to = wallet(2).address;
  const before = await provider.getBalance(sender.address);
  const tx = await token.connect(sender).transfer(to, 5n);
  const receipt = await tx.wait();
  assert.equal(receipt.status, 1);
  assert.equal(receipt.hash, tx.hash);
  // What the sender's balance lost is the fee: gasUsed × effectiveGasPrice, rounded up by
  // less than one wei per gas.
  const paid = before - (await provider.getBalance(sender.address));
  const reported = receipt.gasUsed * receipt.gasPrice;
  assert.ok(paid > 0n && reported >= paid && reported - paid < receipt.gasUsed, `paid ${paid}, reported ${reported}`);
  assert.equal(await token.balanceOf(to), 5n);
  const [event] = receipt.logs.map((l) => token.interface.parseLog(l));
  assert.deepEqual([event.name, event.args.from, event.args.to, event.args.value], ['Transfer', sender.address, to, 5n]);
  // The block lists the transaction; the transaction reads back as sent.
  const block = await provider.getBlock(receipt.blockNumber);
  assert.equal(block.hash, receipt.blockHash);
  assert.ok(block.transactions.includes(tx.hash));
  const full = await provider.send('eth_getBlockByHash', [receipt.blockHash, true]);
  assert.equal(full.transactions[receipt.index].hash, tx.hash);
  const fetched = await provider.getTransaction(tx.hash);
  assert.equal(fetched.from, sender.address);
  assert.equal(fetched.to, await token.getAddress());
  assert.equal(fetched.nonce, tx.nonce);
  assert.equal(fetched.data, tx.data);
  const receipts = await provider.send('eth_getBlockReceipts', [`0x${receipt.blockNumber.toString(16)}`]);
  assert.ok(receipts.some((r) => r.transactionHash === tx.hash));
  // eth_getLogs by contract and topic (the indexed `to`).
  const logs = await provider.getLogs({
    address: await token.getAddress(),
    topics: [id('Transfer(address,address,uint256)'), null, `0x${to.slice(2).toLowerCase().padStart(64, '0')}`],
    fromBlock: 0,
    toBlock: 'latest',
  });
  assert.equal(logs.length, 1);
  assert.equal(logs[0].transactionHash, tx.hash);
  // Unknown hashes: null, not errors.
  assert.equal(await provider.getTransactionReceipt(`0x${'00'.repeat(32)}`), null);
  assert.equal(await provider.getTransaction(`0x${'00'.repeat(32)}`), null);
});

test('reverts: reasons from calls and estimates, custom errors, a reverted transaction fails', async () => {
  const poor = wallet(3).connect(provider);
  const mine = token.connect(poor);
  await assert.rejects(mine.transfer.staticCall(wallet(4).address, 1n), (e) => e.code === 'CALL_EXCEPTION' && e.reason === 'insufficient balance');
  await assert.rejects(mine.transfer.estimateGas(wallet(4).address, 1n), (e) => e.reason === 'insufficient balance');
  await assert.rejects(mine.transferFrom.staticCall(wallet(1).address, poor.address, 1n), (e) => {
    assert.equal(e.revert?.name, 'Unauthorized');
    assert.equal(e.revert.args[0], poor.address);
    return true;
  });
  // Sent anyway (gas given, so no estimate stops it): included, with status 0.
  const tx = await mine.transfer(wallet(4).address, 1n, { gasLimit: 100_000 });
  await assert.rejects(tx.wait(), (e) => e.code === 'CALL_EXCEPTION' && e.receipt.status === 0);
});

test('contract.on gets events through filters; eth_subscribe pushes heads and logs over WebSocket', async () => {
  const sender = wallet(1).connect(provider);
  const got = new Promise((resolve) => token.once('Transfer', (from, to, value) => resolve({ from, to, value })));
  const ws = new WebSocketProvider(node.wsUrl, undefined, { staticNetwork: true });
  try {
    const wsToken = new Contract(await token.getAddress(), artifact.abi, ws);
    const pushed = new Promise((resolve) => wsToken.once('Transfer', (from, to, value) => resolve(value)));
    const head = new Promise((resolve) => ws.once('block', resolve));
    // Subscriptions are installed on the first poll or request: give them a block.
    await new Promise((r) => setTimeout(r, 1200));
    await (await token.connect(sender).transfer(wallet(5).address, 7n)).wait();
    const event = await got;
    assert.deepEqual([event.from, event.to, event.value], [sender.address, wallet(5).address, 7n]);
    assert.equal(await pushed, 7n);
    assert.ok((await head) > 0);
  } finally {
    await ws.destroy();
  }
});

test('viem 2: deploy, read, write, receipts, logs and a simulated revert', async () => {
  const chainId = Number(await provider.send('eth_chainId', []));
  const chain = defineChain({ id: chainId, name: 'accord-dev', nativeCurrency: { name: 'Unit', symbol: 'UNIT', decimals: 18 }, rpcUrls: { default: { http: [node.httpUrl] } } });
  const account = mnemonicToAccount(PHRASE, { addressIndex: 6 });
  const publicClient = createPublicClient({ chain, transport: http(node.httpUrl), pollingInterval: 200 });
  const walletClient = createWalletClient({ chain, transport: http(node.httpUrl), account });
  const deployHash = await walletClient.deployContract({ abi: artifact.abi, bytecode: artifact.bytecode, args: [1000n] });
  const deployed = await publicClient.waitForTransactionReceipt({ hash: deployHash });
  assert.equal(deployed.status, 'success');
  const address = deployed.contractAddress;
  assert.equal(await publicClient.readContract({ address, abi: artifact.abi, functionName: 'balanceOf', args: [account.address] }), 1000n);
  const { request } = await publicClient.simulateContract({ account, address, abi: artifact.abi, functionName: 'transfer', args: [wallet(7).address, 10n] });
  const hash = await walletClient.writeContract(request);
  const receipt = await publicClient.waitForTransactionReceipt({ hash });
  assert.equal(receipt.status, 'success');
  assert.ok(receipt.gasUsed > 21_000n);
  const logs = await publicClient.getContractEvents({ address, abi: artifact.abi, eventName: 'Transfer', fromBlock: deployed.blockNumber });
  assert.deepEqual(logs.map((l) => l.args.value), [1000n, 10n]);
  await assert.rejects(
    publicClient.simulateContract({ account, address, abi: artifact.abi, functionName: 'transfer', args: [wallet(7).address, 10_000n] }),
    (e) => e.shortMessage?.includes('insufficient balance') || /insufficient balance/.test(e.message),
  );
  const erc20 = parseAbi(['function totalSupply() view returns (uint256)']);
  assert.equal(await publicClient.readContract({ address, abi: erc20, functionName: 'totalSupply' }), 1000n);
  const fees = await publicClient.estimateFeesPerGas();
  assert.ok(fees.maxFeePerGas > 0n);
});

test('SIGKILL right after a contract transaction: receipt, logs and storage survive the restart', async () => {
  const sender = wallet(1).connect(provider);
  const tx = await token.connect(sender).transfer(wallet(8).address, 11n);
  const receipt = await tx.wait();
  // Wait until it is final, then kill at once.
  for (let i = 0; i < 40; i++) {
    const finalized = await provider.getBlock('finalized');
    if (finalized.number >= receipt.blockNumber) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const address = await token.getAddress();
  const raw = await provider.send('eth_getTransactionReceipt', [tx.hash]);
  const slot = await provider.send('eth_getStorageAt', [address, '0x0', 'latest']);
  provider.destroy();
  await node.stop(); // SIGKILL; the base path stays.
  node = await spawnNode(['--dev', '--base-path', base, '--block-time-ms', '500']);
  provider = rpcProvider(node.httpUrl);
  assert.deepEqual(await provider.send('eth_getTransactionReceipt', [tx.hash]), raw);
  assert.equal(await provider.send('eth_getStorageAt', [address, '0x0', 'latest']), slot);
  const again = new Contract(address, artifact.abi, provider);
  assert.equal(await again.balanceOf(wallet(8).address), 11n);
  const iface = new Interface(artifact.abi);
  const logs = await provider.getLogs({ address, fromBlock: receipt.blockNumber, toBlock: receipt.blockNumber });
  assert.equal(iface.parseLog(logs[0]).args.value, 11n);
});
