// polkadot.js against a real accord-node (--dev): the Evm pallet's calls, storage, events
// and errors decode from metadata; an Ethereum transaction signed by ethers.js (an
// implementation that is not ours) runs through Evm.transact as its sender. The contracts are
// hand-assembled EVM bytecode (spelled out below) so that this test needs no compiler.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ApiPromise, WsProvider } from '@polkadot/api';
import { Keyring } from '@polkadot/keyring';
import { HDNodeWallet, JsonRpcProvider, Wallet, Transaction, getCreateAddress } from 'ethers';
import { startNode } from './node.mjs';
import { send as sendWith, find, names } from './tx.mjs';

// Runtime: with call data, sstore(0, calldataload(0)); returns sload(0).
const STORE_RUNTIME = '3615600b576000356000555b60005460005260206000f3';
// Init: sstore(0, 42), then returns the 23 bytes of runtime after its own 17.
const STORE_INIT = `0x602a6000556017601160003960176000f3${STORE_RUNTIME}`;
// Init that deploys a runtime doing mstore(0, 0xdead); revert(0, 32).
const REVERTER_INIT = '0x600b600c600039600b6000f361dead60005260206000fd';
const word = (n) => `0x${n.toString(16).padStart(64, '0')}`;

let node;
let api;
let alice;
let bob;
const send = (tx, signer) => sendWith(api, tx, signer);

before(async () => {
  node = await startNode(['--block-time-ms', '500']);
  api = await ApiPromise.create({ provider: new WsProvider(node.wsUrl), noInitWarn: true, throwOnConnect: true });
  const keyring = new Keyring({ type: 'sr25519' });
  alice = keyring.addFromUri('//Alice');
  bob = keyring.addFromUri('//Bob');
});

after(async () => {
  await api?.disconnect();
  await node?.stop();
});

async function deploy(initCode, signer) {
  const events = await send(api.tx.evm.create(initCode, 0, 300_000, null), signer);
  const created = find(events, api.events.evm.Created);
  assert.ok(created, names(events).join(','));
  return created.data.contract.toHex();
}

test('Evm.create deploys a contract: events, Contracts, Codes and Storage decode', async () => {
  assert.equal(api.consts.evm.txGasMax.toNumber(), 15_000_000);
  assert.equal(api.consts.evm.weiPerPlanck.toString(), '1000000');
  const contract = await deploy(STORE_INIT, alice);
  const info = (await api.query.evm.contracts(contract)).unwrap();
  assert.equal(info.storageItems.toNumber(), 1);
  assert.equal(info.storageBytes.toNumber(), 32);
  assert.equal(info.nonce.toNumber(), 1);
  const code = (await api.query.evm.codes(info.codeHash)).unwrap();
  assert.equal(code.toHex(), `0x${STORE_RUNTIME}`);
  assert.equal((await api.query.evm.codeRefs(info.codeHash)).toNumber(), 1);
  assert.equal((await api.query.evm.storage(contract, word(0))).unwrap().toHex(), word(42));
  const config = await api.query.evm.config();
  assert.ok(config.hardFork.isPrague);
});

test('Evm.call writes a slot; Executed reports success and the gas used', async () => {
  const contract = await deploy(STORE_INIT, alice);
  const events = await send(api.tx.evm.call(contract, word(7), 0, 100_000), bob);
  const executed = find(events, api.events.evm.Executed);
  assert.ok(executed.data.exit.isSucceeded, executed.data.exit.toString());
  assert.ok(executed.data.gasUsed.toNumber() > 21_000);
  assert.equal(executed.data.to.toHex(), contract);
  assert.equal((await api.query.evm.storage(contract, word(0))).unwrap().toHex(), word(7));
});

test('a revert is included and reported with its data; a call with input to no contract fails', async () => {
  const reverter = await deploy(REVERTER_INIT, alice);
  const events = await send(api.tx.evm.call(reverter, '0x01', 0, 100_000), bob);
  const exit = find(events, api.events.evm.Executed).data.exit;
  assert.ok(exit.isReverted, exit.toString());
  assert.equal(exit.asReverted.data.toHex(), word(0xdead));
  await assert.rejects(
    send(api.tx.evm.call('0x' + '11'.repeat(20), '0x01', 0, 100_000), bob),
    (e) => e.message.includes('"section":"evm"') && e.message.includes('"name":"NotAContract"'),
  );
});

// The account of an Ethereum address: the address followed by twelve 0xEE bytes.
const accountOf = (address) => `${address.toLowerCase()}${'ee'.repeat(12)}`;

// Submits `raw` as the unsigned, self-contained Evm.transact (rejects with the pool's reason);
// resolves with its events once a new block includes it.
async function transact(raw) {
  const tx = api.tx.evm.transact(raw);
  let unsubscribe;
  const included = new Promise((resolve, reject) => {
    api.rpc.chain.subscribeNewHeads(async (header) => {
      const block = await api.rpc.chain.getBlock(header.hash);
      const index = block.block.extrinsics.findIndex((x) => x.hash.eq(tx.hash));
      if (index < 0) return;
      const records = await (await api.at(header.hash)).query.system.events();
      resolve(records.filter(({ phase }) => phase.isApplyExtrinsic && phase.asApplyExtrinsic.eq(index)).map(({ event }) => event));
    }).then((u) => { unsubscribe = u; }, reject);
  });
  try {
    await api.rpc.author.submitExtrinsic(tx);
    return await included;
  } finally {
    unsubscribe?.();
  }
}

test('an Ethereum transaction signed by ethers.js deploys and calls as its sender', async () => {
  const wallet = Wallet.createRandom();
  const account = accountOf(wallet.address);
  const chainId = (await api.query.evm.config()).chainId.toNumber();
  const sign = (fields) => wallet.signTransaction({ chainId, gasLimit: 300_000, maxFeePerGas: 0, maxPriorityFeePerGas: 0, type: 2, ...fields });
  // Not a member yet: the gate refuses it with the reason, as any stranger.
  await send(api.tx.balances.transferKeepAlive(account, 10n ** 15n), alice);
  const deploy = await sign({ nonce: 0, data: STORE_INIT });
  await assert.rejects(transact(deploy), (e) => e.message.includes('not a member of an active organization'));
  await send(api.tx.organizations.addMember(1, account), alice);
  const events = await transact(deploy);
  assert.ok(find(events, api.events.system.ExtrinsicSuccess), names(events).join(','));
  const created = find(events, api.events.evm.Created).data;
  // The sender the node recovered is the wallet; the address is CREATE's of (sender, nonce 0).
  assert.equal(created.creator.toHex(), wallet.address.toLowerCase());
  assert.equal(created.contract.toHex(), getCreateAddress({ from: wallet.address, nonce: 0 }).toLowerCase());
  assert.ok(find(events, api.events.metering.FeeCharged), 'the sender paid a fee like any extrinsic');
  assert.equal((await api.query.system.account(account)).nonce.toNumber(), 1);
  // A call (legacy, EIP-155) writes slot 0; the same transaction again is refused (nonce spent).
  const call = await wallet.signTransaction({ chainId, nonce: 1, to: created.contract.toHex(), data: word(9), gasLimit: 100_000, gasPrice: 0, type: 0 });
  assert.equal(Transaction.from(call).type, 0);
  await transact(call);
  assert.equal((await api.query.evm.storage(created.contract.toHex(), word(0))).unwrap().toHex(), word(9));
  await assert.rejects(transact(call), /Invalid|outdated|1010/);
  // Another chain id: refused with the reason.
  const other = await wallet.signTransaction({ chainId: chainId + 1, nonce: 2, to: created.contract.toHex(), gasLimit: 100_000, gasPrice: 0, type: 0 });
  await assert.rejects(transact(other), (e) => e.message.includes('another chain id'));
});

test('ethers.js JsonRpcProvider: chain id, balances, nonces, code, storage, calls, estimates, raw sends', async () => {
  const provider = new JsonRpcProvider(node.httpUrl, undefined, { staticNetwork: true, batchMaxCount: 1 });
  const chainId = (await api.query.evm.config()).chainId.toNumber();
  assert.equal((await provider.getNetwork()).chainId, BigInt(chainId));
  assert.equal(await provider.send('net_version', []), String(chainId));
  const wallet = Wallet.createRandom().connect(provider);
  const account = accountOf(wallet.address);
  await send(api.tx.balances.transferKeepAlive(account, 10n ** 15n), alice);
  await send(api.tx.organizations.addMember(1, account), alice);
  // 10^15 planck is 10^21 wei.
  assert.equal(await provider.getBalance(wallet.address), 10n ** 21n);
  assert.equal(await provider.getTransactionCount(wallet.address), 0);
  // A deployment through eth_sendRawTransaction: its hash is keccak of the raw bytes, and the
  // pending nonce counts it at once.
  const rawDeploy = await wallet.signTransaction({ chainId, nonce: 0, data: STORE_INIT, gasLimit: 300_000, maxFeePerGas: 0, maxPriorityFeePerGas: 0, type: 2 });
  const hash = await provider.send('eth_sendRawTransaction', [rawDeploy]);
  assert.equal(hash, Transaction.from(rawDeploy).hash);
  // Again at once: still pooled (already known), or already in a block (nonce too low).
  await assert.rejects(provider.send('eth_sendRawTransaction', [rawDeploy]), /already known|nonce too low/);
  assert.equal(await provider.getTransactionCount(wallet.address, 'pending'), 1);
  const contract = getCreateAddress({ from: wallet.address, nonce: 0 });
  for (let i = 0; i < 40 && (await provider.getCode(contract)) === '0x'; i++) await new Promise((r) => setTimeout(r, 250));
  assert.equal(await provider.getCode(contract), `0x${STORE_RUNTIME}`);
  assert.equal(await provider.getStorage(contract, 0), word(42));
  assert.equal(await provider.getTransactionCount(wallet.address), 1);
  // eth_call reads; eth_estimateGas finds enough gas for a write (the write then succeeds with it).
  assert.equal(await provider.call({ to: contract, data: '0x' }), word(42));
  const estimate = await provider.estimateGas({ from: wallet.address, to: contract, data: word(3) });
  assert.ok(estimate > 21_000n && estimate < 100_000n, `${estimate}`);
  assert.equal(await provider.call({ from: wallet.address, to: contract, data: word(3), gasLimit: estimate }), word(3));
  // A revert: code 3 with the revert data, as ethers decodes it.
  const reverter = await deploy(REVERTER_INIT, alice);
  await assert.rejects(provider.call({ to: reverter, data: '0x01' }), (e) => e.code === 'CALL_EXCEPTION' && e.data === word(0xdead));
  // A stale nonce in geth's words; a malformed transaction with the decoder's reason.
  await assert.rejects(provider.send('eth_sendRawTransaction', [rawDeploy.replace(/..$/, '00')]), /invalid transaction|nonce too low|not a member/i);
  await assert.rejects(provider.send('eth_sendRawTransaction', ['0xc0']), /invalid transaction/);
  provider.destroy();
});

test("--dev endows and admits Hardhat's and Anvil's ten accounts (the 'test ... junk' mnemonic)", async () => {
  const provider = new JsonRpcProvider(node.httpUrl, undefined, { staticNetwork: true, batchMaxCount: 1 });
  const phrase = 'test test test test test test test test test test test junk';
  const wallets = [...Array(10).keys()].map((i) => HDNodeWallet.fromPhrase(phrase, undefined, `m/44'/60'/0'/0/${i}`));
  for (const w of wallets) {
    // 10,000 units: 10,000 ETH to Ethereum tools, as Hardhat and Anvil give.
    assert.equal(await provider.getBalance(w.address), 10n ** 22n, w.address);
  }
  // Account 0 sends at once: it is a member of the development organization.
  const chainId = (await api.query.evm.config()).chainId.toNumber();
  const first = wallets[0].connect(provider);
  const nonce = await provider.getTransactionCount(first.address, 'pending');
  const raw = await first.signTransaction({ chainId, nonce, data: STORE_INIT, gasLimit: 300_000, gasPrice: 0, type: 0 });
  const contract = getCreateAddress({ from: first.address, nonce });
  await provider.send('eth_sendRawTransaction', [raw]);
  for (let i = 0; i < 40 && (await provider.getCode(contract)) === '0x'; i++) await new Promise((r) => setTimeout(r, 250));
  assert.equal(await provider.getCode(contract), `0x${STORE_RUNTIME}`);
  provider.destroy();
});
