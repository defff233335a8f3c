// A contract's data deleted, backed up and recovered through Metering on a real accord-node
// (--dev): pallets/evm/solidity/examples/Registry.sol, deployed and written by ethers.js, names
// a deleter for an entry through the Data precompile (pallets/evm/solidity/IData.sol); the
// deleter deletes and recovers it with polkadot.js, anyone else is refused, and the right ends
// when the contract deletes the entry by itself. A contract's storage quota, bought by anyone,
// refuses a write past it with a reason and gives room back after a deletion.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ApiPromise, WsProvider } from '@polkadot/api';
import { Keyring } from '@polkadot/keyring';
import { u8aToHex } from '@polkadot/util';
import { rpc, types } from '@accord/rpc-definitions';
import { ContractFactory, HDNodeWallet, JsonRpcProvider, NonceManager, encodeBytes32String, zeroPadValue } from 'ethers';
import { startNode } from './node.mjs';
import { compileFile } from './solc.mjs';
import { send as sendWith } from './tx.mjs';

const PHRASE = 'test test test test test test test test test test test junk';
const REGISTRY = new URL('../../pallets/evm/solidity/examples/Registry.sol', import.meta.url);
const NONE = '0x' + '00'.repeat(32);

let node;
let api;
let provider;
let signer;
let alice;
let bob;
let charlie;
let registry;
let address;

const send = (tx, who) => sendWith(api, tx, who);
const id = (name) => encodeBytes32String(name);
const target = () => ({ Contract: address });

before(async () => {
  node = await startNode(['--block-time-ms', '300']);
  provider = new JsonRpcProvider(node.httpUrl, undefined, { staticNetwork: true, batchMaxCount: 1, polling: false });
  provider.pollingInterval = 100;
  signer = new NonceManager(HDNodeWallet.fromPhrase(PHRASE, undefined, "m/44'/60'/0'/0/4").connect(provider));
  api = await ApiPromise.create({ provider: new WsProvider(node.wsUrl), noInitWarn: true, throwOnConnect: true, rpc, types });
  const keyring = new Keyring({ type: 'sr25519' });
  alice = keyring.addFromUri('//Alice');
  bob = keyring.addFromUri('//Bob');
  charlie = keyring.addFromUri('//Charlie');
  const artifact = compileFile(REGISTRY, 'Registry');
  registry = await new ContractFactory(artifact.abi, artifact.bytecode, signer).deploy();
  await registry.waitForDeployment();
  address = (await registry.getAddress()).toLowerCase();
});

after(async () => {
  provider?.destroy();
  await api?.disconnect();
  await node?.stop();
});

/** Sends a contract call and waits for its receipt (status 0 if it reverted). */
async function sent(promise) {
  return provider.waitForTransaction((await promise).hash);
}

const amount = async (name) => (await registry.entries(id(name))).amount;

test("a deleter the contract declared backs an entry up and recovers it; others are refused", async () => {
  const bobAccount = u8aToHex(bob.publicKey);
  assert.equal((await sent(registry.put(id('e-1'), 100, id('holder'), bobAccount, { gasLimit: 400_000 }))).status, 1);
  assert.equal((await sent(registry.put(id('e-2'), 200, id('holder'), NONE, { gasLimit: 400_000 }))).status, 1);
  await assert.rejects(send(api.tx.metering.deleteData(target(), id('e-1'), 'Backup', 3, null), charlie), /NotDeleter/);
  await assert.rejects(send(api.tx.metering.deleteData(target(), id('e-2'), 'Permanent', null, null), bob), /NotDeleter/);

  const events = await send(api.tx.metering.deleteData(target(), id('e-1'), 'Backup', 3, null), bob);
  assert.ok(events.some((e) => api.events.metering.DataDeleted.is(e)));
  assert.equal(await amount('e-1'), 0n, 'the contract reads the entry as gone');
  assert.equal(await amount('e-2'), 200n, 'the other entry stays');
  const backup = await api.query.metering.backups(target(), id('e-1'));
  assert.ok(backup.isSome && backup.unwrap().deleters.some((d) => d.eq(bob.address)), 'the backup keeps the deleter');

  await assert.rejects(send(api.tx.metering.recoverData(target(), id('e-1')), charlie), /NotDeleter/);
  await send(api.tx.metering.recoverData(target(), id('e-1')), bob);
  const entry = await registry.entries(id('e-1'));
  assert.deepEqual([entry.amount, entry.holder], [100n, id('holder')], 'the exact slots are back');
});

test('the right ends when the contract deletes the entry itself, even if it is written again', async () => {
  assert.equal((await sent(registry.remove(id('e-1'), { gasLimit: 200_000 }))).status, 1);
  assert.equal((await sent(registry.put(id('e-1'), 7, id('other'), NONE, { gasLimit: 400_000 }))).status, 1);
  await assert.rejects(send(api.tx.metering.deleteData(target(), id('e-1'), 'Permanent', null, null), bob), /NotDeleter/);
  // A key the contract does not map: no such data.
  await assert.rejects(send(api.tx.metering.deleteData(target(), '0x01', 'Permanent', null, null), bob), /UnknownData/);
});

test("a contract's storage quota, bought by anyone, refuses a write past it and grows back", async () => {
  // Quotas bind once the consortium requires them (a quota others buy for an owner adds room,
  // it never makes the quota bind by itself).
  await send(api.tx.sudo.sudo(api.tx.metering.setQuotaRequired(true)), alice);
  // The contract's account: its address ++ 0xEE x 12. It holds 2 entries of 2 slots (128 bytes).
  const owner = `${address}${'ee'.repeat(12)}`;
  assert.equal((await sent(registry.put(id('e-3'), 3, id('h'), NONE, { gasLimit: 400_000 }))).status, 0, 'no quota yet');
  const events = await send(api.tx.metering.buyQuotaFor(owner, 160), charlie);
  const bought = events.find((e) => api.events.metering.QuotaBoughtFor.is(e));
  assert.equal(bought.data.limit.toNumber(), 160);
  assert.equal((await sent(registry.put(id('e-3'), 3, id('h'), NONE, { gasLimit: 400_000 }))).status, 0, 'past 160 bytes');
  // eth_call answers as the block would: the reason.
  await assert.rejects(registry.put.staticCall(id('e-3'), 3, id('h'), NONE), (e) => /storage quota exceeded/.test(e.reason ?? e.message));
  assert.equal((await sent(registry.put(id('e-1'), 8, id('h'), NONE, { gasLimit: 400_000 }))).status, 1, 'rewriting holds');
  // The creator's deletion (permanent: nothing kept) gives room back.
  assert.equal((await sent(registry.remove(id('e-2'), { gasLimit: 200_000 }))).status, 1);
  assert.equal((await sent(registry.put(id('e-3'), 3, id('h'), NONE, { gasLimit: 400_000 }))).status, 1);
  assert.equal(await amount('e-3'), 3n);
});
