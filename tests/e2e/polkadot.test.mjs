// polkadot.js against a real accord-node: connect, read, sign, submit, watch, decode.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ApiPromise, WsProvider } from '@polkadot/api';
import { Keyring } from '@polkadot/keyring';
import { startNode } from './node.mjs';

const UNIT = 1_000_000_000_000n;
let node;
let api;
let alice;
let bob;

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

// Submits and resolves with the result once finalized; records the statuses seen.
function sendAndFinalize(tx, signer, options = {}) {
  return new Promise((resolve, reject) => {
    const statuses = [];
    tx.signAndSend(signer, options, (result) => {
      statuses.push(result.status.type);
      if (result.status.isFinalized) resolve({ result, statuses });
      if (result.status.isInvalid || result.status.isDropped || result.status.isUsurped) {
        reject(new Error(`transaction ${result.status.type}`));
      }
    }).catch(reject);
  });
}

test('chain, properties and metadata', async () => {
  assert.equal((await api.rpc.system.chain()).toString(), 'Development');
  const props = await api.rpc.system.properties();
  assert.equal(props.ss58Format.unwrap().toNumber(), 42);
  assert.equal(api.runtimeVersion.specName.toString(), 'accord');
  assert.ok(api.tx.balances.transferKeepAlive, 'balances.transferKeepAlive from metadata');
  assert.equal(api.consts.system.ss58Prefix.toNumber(), 42);
  assert.equal(api.registry.chainSS58, 42);
});

test('query.system.account of a dev account', async () => {
  const { nonce, data } = await api.query.system.account(alice.address);
  assert.equal(nonce.toNumber() >= 0, true);
  assert.ok(data.free.toBigInt() > 100_000n * UNIT);
  assert.ok(data.frozen !== undefined, 'AccountData has frozen');
});

test('transferKeepAlive is watched to inBlock and finalized, with decoded events', async () => {
  const amount = 7n * UNIT;
  const before = (await api.query.system.account(bob.address)).data.free.toBigInt();
  const { result, statuses } = await sendAndFinalize(api.tx.balances.transferKeepAlive(bob.address, amount), alice);
  assert.ok(statuses.includes('InBlock'), `statuses: ${statuses}`);
  assert.ok(statuses.includes('Finalized'));
  const names = result.events.map(({ event }) => `${event.section}.${event.method}`);
  assert.ok(names.includes('system.ExtrinsicSuccess'), names.join(','));
  const transfer = result.events.find(({ event }) => api.events.balances.Transfer.is(event));
  assert.ok(transfer, 'a Transfer event');
  assert.equal(transfer.event.data.from.toString(), alice.address);
  assert.equal(transfer.event.data.to.toString(), bob.address);
  assert.equal(transfer.event.data.amount.toBigInt(), amount);
  const after = (await api.query.system.account(bob.address)).data.free.toBigInt();
  assert.equal(after - before, amount);
});

test('a failing transfer gives ExtrinsicFailed with the decoded module error', async () => {
  const { result } = await sendAndFinalize(api.tx.balances.transferKeepAlive(bob.address, 10n ** 30n), alice);
  const failed = result.events.find(({ event }) => api.events.system.ExtrinsicFailed.is(event));
  assert.ok(failed, 'ExtrinsicFailed');
  assert.ok(result.dispatchError?.isModule);
  const meta = api.registry.findMetaError(result.dispatchError.asModule);
  assert.equal(`${meta.section}.${meta.name}`, 'balances.InsufficientBalance');
});

test('api.at(olderHash) reads the state of an older block', async () => {
  const header = await api.rpc.chain.getHeader();
  const olderHash = await api.rpc.chain.getBlockHash(header.number.toNumber() - 1 > 0 ? 1 : 0);
  const genesisHash = await api.rpc.chain.getBlockHash(0);
  const atGenesis = await api.at(genesisHash);
  const then = await atGenesis.query.system.account(bob.address);
  const now = await api.query.system.account(bob.address);
  assert.equal(then.data.free.toBigInt(), 1_000_000n * UNIT);
  assert.ok(now.data.free.toBigInt() > then.data.free.toBigInt());
  const atOlder = await api.at(olderHash);
  assert.ok((await atOlder.query.timestamp.now()).toNumber() >= 0);
});

test('entries() on System.Account', async () => {
  const entries = await api.query.system.account.entries();
  assert.ok(entries.length >= 6, `${entries.length} accounts`);
  const addresses = entries.map(([key]) => key.args[0].toString());
  assert.ok(addresses.includes(alice.address));
});

test('paymentInfo', async () => {
  const info = await api.tx.balances.transferKeepAlive(bob.address, UNIT).paymentInfo(alice);
  assert.ok(info.partialFee.toBigInt() > 0n);
  assert.ok(info.weight.refTime.toBigInt() > 0n);
});

test('a mortal transaction with an explicit era', async () => {
  const { result } = await sendAndFinalize(api.tx.system.remark('0x1234'), alice, { era: 16 });
  const signed = (await api.rpc.chain.getBlock(result.status.asFinalized)).block.extrinsics.find(
    (x) => x.isSigned && x.signer.toString() === alice.address,
  );
  assert.ok(signed, 'the remark is in the block');
  assert.ok(signed.era.isMortalEra, 'mortal');
});

test('new heads subscription over several blocks', async () => {
  const numbers = [];
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('too few heads')), 20_000);
    api.rpc.chain
      .subscribeNewHeads((header) => {
        numbers.push(header.number.toNumber());
        if (numbers.length >= 4) {
          clearTimeout(timer);
          resolve();
        }
      })
      .then((unsub) => setTimeout(() => unsub(), 25_000).unref())
      .catch(reject);
  });
  for (let i = 1; i < numbers.length; i++) assert.equal(numbers[i], numbers[i - 1] + 1);
});

test('Alice holds the root key: sudo(forceSetBalance)', async () => {
  assert.equal((await api.query.sudo.key()).unwrap().toString(), alice.address);
  const charlie = new Keyring({ type: 'sr25519' }).addFromUri('//Charlie');
  const call = api.tx.balances.forceSetBalance(charlie.address, 42n * UNIT);
  const { result } = await sendAndFinalize(api.tx.sudo.sudo(call), alice);
  const sudid = result.events.find(({ event }) => api.events.sudo.Sudid.is(event));
  assert.ok(sudid, 'Sudid');
  assert.ok(sudid.event.data.sudoResult.isOk);
  assert.equal((await api.query.system.account(charlie.address)).data.free.toBigInt(), 42n * UNIT);
});
