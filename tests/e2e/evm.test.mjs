// polkadot.js against a real accord-node (--dev): the Evm pallet's calls, storage, events
// and errors decode from metadata. The contracts are hand-assembled EVM bytecode (spelled out
// below) so that this test needs no compiler.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ApiPromise, WsProvider } from '@polkadot/api';
import { Keyring } from '@polkadot/keyring';
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
