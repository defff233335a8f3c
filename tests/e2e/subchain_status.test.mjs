// polkadot.js against a real accord-node (--dev): the main chain's record of a sub-chain,
// decoded from metadata: registration by root, a monitoring account's reports pinned to a
// sub-chain height, a refused lower height, the stored latest report and its history.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ApiPromise, WsProvider } from '@polkadot/api';
import { Keyring } from '@polkadot/keyring';
import { startNode } from './node.mjs';
import { send as sendWith, find } from './tx.mjs';

const send = (tx, signer) => sendWith(api, tx, signer);

let node;
let api;
let alice;
let bob;

before(async () => {
  node = await startNode(['--block-time-ms', '300']);
  api = await ApiPromise.create({ provider: new WsProvider(node.wsUrl), noInitWarn: true, throwOnConnect: true });
  const keyring = new Keyring({ type: 'sr25519' });
  alice = keyring.addFromUri('//Alice');
  bob = keyring.addFromUri('//Bob');
});

after(async () => {
  await api?.disconnect();
  await node?.stop();
});

const status = (height, txCount) => ({
  height,
  blockHash: '0x' + '11'.repeat(32),
  stateRoot: '0x' + '22'.repeat(32),
  orgs: 1,
  nodes: 4,
  txCount,
  tpsMilli: 2500,
  contracts: 1,
});

test('a sub-chain registered by root receives its member organization reports', async () => {
  const tolerance = { orgs: 0, nodes: 0, txCount: 5, tpsMilli: 500, contracts: 0 };
  const registered = await send(
    api.tx.sudo.sudo(api.tx.subchainStatus.registerSubchain('ledger', '0x' + '99'.repeat(32), [1], 20, 2, tolerance)),
    alice,
  );
  assert.ok(find(registered, api.events.subchainStatus.SubchainRegistered));
  await send(api.tx.subchainStatus.addMonitor(1, 1, bob.address), alice);
  await assert.rejects(send(api.tx.subchainStatus.report(1, status(10, 100)), alice), /NotMonitor/);
  const first = await send(api.tx.subchainStatus.report(1, status(10, 100)), bob);
  const reported = find(first, api.events.subchainStatus.Reported);
  assert.equal(reported.data.seq.toNumber(), 1);
  const second = await send(api.tx.subchainStatus.report(1, { ...status(12, 150), contracts: 2 }), bob);
  const changes = find(second, api.events.subchainStatus.Reported).data.changes.toJSON().map((c) => [c.metric, c.old, c.new]);
  assert.deepEqual(changes, [['Height', 10, 12], ['TxCount', 100, 150], ['Contracts', 1, 2]]);
  assert.ok(find(second, api.events.subchainStatus.ContractsChanged));
  await assert.rejects(send(api.tx.subchainStatus.report(1, status(11, 150)), bob), /HeightTooLow/);

  const subchain = (await api.query.subchainStatus.subchains(1)).unwrap();
  assert.equal(subchain.lastSeq.toNumber(), 2);
  assert.ok(subchain.stale.isFalse);
  const latest = (await api.query.subchainStatus.reports(1, 2)).unwrap();
  assert.equal(latest.status.txCount.toNumber(), 150);
  assert.equal(latest.org.toNumber(), 1);
  const history = await api.query.subchainStatus.reports.entries(1);
  assert.equal(history.length, 2);
});

test('a blockchain of the registry is registered by its creator; an unknown business chain is refused', async () => {
  const tolerance = { orgs: 0, nodes: 0, txCount: 5, tpsMilli: 500, contracts: 0 };
  const call = api.tx.subchainStatus.registerFromChain(7, 0, '0x' + '77'.repeat(32), 20, 2, tolerance);
  assert.deepEqual(call.method.toHuman().args.chain, '7');
  await assert.rejects(send(call, alice), /UnknownChain/);
  assert.equal((await api.query.subchainStatus.chainOf(1)).isNone, true, 'ledger was registered by root');
});
