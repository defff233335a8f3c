// polkadot.js with @accord/rpc-definitions against a real accord-node (--dev): Accord's own
// RPC methods are decorated on api.rpc and their results decoded into typed values.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ApiPromise, WsProvider } from '@polkadot/api';
import { Keyring } from '@polkadot/keyring';
import { rpc, types } from '@accord/rpc-definitions';
import { startNode } from './node.mjs';

let node;
let api;

before(async () => {
  node = await startNode(['--block-time-ms', '300']);
  api = await ApiPromise.create({ provider: new WsProvider(node.wsUrl), noInitWarn: true, throwOnConnect: true, rpc, types });
});

after(async () => {
  await api?.disconnect();
  await node?.stop();
});

test('oplog and accord methods are decorated', () => {
  for (const name of ['head', 'getLogs', 'subscribeLogs']) assert.equal(typeof api.rpc.oplog[name], 'function', name);
  for (const name of ['validators', 'getFinalityCertificate']) assert.equal(typeof api.rpc.accord[name], 'function', name);
});

test('a transfer shows up in oplog.getLogs and oplog.subscribeLogs, typed', async () => {
  const alice = new Keyring({ type: 'sr25519' }).addFromUri('//Alice');
  const bob = new Keyring({ type: 'sr25519' }).addFromUri('//Bob');
  const before = await api.rpc.oplog.head();
  assert.equal(typeof before.nextIndex.toNumber(), 'number');
  const seen = [];
  // Start the subscription and give it time to be set up before the transfer (its promise
  // may resolve only with its first value, so it is awaited after the transfer).
  const subscribed = api.rpc.oplog.subscribeLogs({ operator: alice.address }, (entry) => seen.push(entry));
  await new Promise((r) => setTimeout(r, 500));
  await new Promise((resolve, reject) => {
    api.tx.balances.transferKeepAlive(bob.address, 10n ** 12n).signAndSend(alice, (r) => {
      if (r.status.isFinalized) resolve();
      if (r.isError) reject(new Error('transfer failed'));
    }).catch(reject);
  });
  for (let i = 0; i < 100 && seen.length === 0; i++) await new Promise((r) => setTimeout(r, 100));
  assert.ok(seen.length > 0, 'the subscription delivered the transfer');
  const unsub = await subscribed;
  unsub();
  assert.equal(seen[0].operator.toString(), alice.address);
  const head = await api.rpc.oplog.head();
  assert.ok(head.nextIndex.toNumber() > before.nextIndex.toNumber());
  const entries = await api.rpc.oplog.getLogs(before.nextIndex, 100);
  assert.ok(entries.length >= 1);
  const e = entries[0];
  assert.equal(e.index.toNumber(), before.nextIndex.toNumber());
  assert.ok(e.block.toNumber() > 0);
  assert.equal(typeof e.opType.toString(), 'string');
  assert.equal(e.origin.toString(), 'Balances', 'a transfer logs under the Balances origin');
  assert.equal(e.dataId.length, 32, 'its data id is an account');
  const records = await api.rpc.oplog.getLogs(before.nextIndex, 100, { origin: 'Records' });
  assert.equal(records.length, 0, 'the origin filter keeps only that origin');
  const created = await api.rpc.oplog.getLogs(0, 100, { opType: 'Delete' });
  assert.ok(created.every((x) => x.opType.toString() === 'Delete'));
});

test('accord.validators is None without BFT consensus; a bad parameter is a clear error', async () => {
  const set = await api.rpc.accord.validators();
  assert.ok(set.isNone, 'a --dev node has no validator set');
  await assert.rejects(api.rpc.oplog.getLogs(0, 100000), /exceeds 1000/);
});
