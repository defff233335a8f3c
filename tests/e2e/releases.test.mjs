// polkadot.js against a real accord-node (--dev): gray releases of the Records logic, every
// stage entered by a passed governance proposal (no sudo). A release whose new version
// fails too often in gray rolls back by itself; the next one goes pre-release -> gray 20% ->
// switch. Routing is read with the `releases_route` RPC and seen in each `Routed` event.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ApiPromise, WsProvider } from '@polkadot/api';
import { Keyring } from '@polkadot/keyring';
import { rpc, types } from '@accord/rpc-definitions';
import { startNode } from './node.mjs';
import { send as sendWith, find, govern as governWith } from './tx.mjs';

const send = (tx, signer) => sendWith(api, tx, signer);

let node;
let api;
let alice;
let bob;
let charlie;

before(async () => {
  node = await startNode(['--block-time-ms', '300']);
  api = await ApiPromise.create({ provider: new WsProvider(node.wsUrl), rpc, types, noInitWarn: true, throwOnConnect: true });
  const keyring = new Keyring({ type: 'sr25519' });
  alice = keyring.addFromUri('//Alice');
  bob = keyring.addFromUri('//Bob');
  charlie = keyring.addFromUri('//Charlie');
});

after(async () => {
  await api?.disconnect();
  await node?.stop();
});

const govern = (call) => governWith(api, call, alice);

// Submits `txs` from `signer` with consecutive nonces at once; resolves when all are in
// blocks, with each one's events and whether its dispatch failed.
async function sendAll(txs, signer) {
  const first = (await api.rpc.system.accountNextIndex(signer.address)).toNumber();
  return Promise.all(
    txs.map(
      (tx, i) =>
        new Promise((resolve, reject) => {
          tx.signAndSend(signer, { nonce: first + i }, (result) => {
            if (result.status.isInBlock || result.status.isFinalized) {
              const events = result.events.map(({ event }) => event);
              resolve({ events, failed: events.some((e) => api.events.system.ExtrinsicFailed.is(e)) });
            }
            if (result.status.isInvalid || result.status.isDropped) reject(new Error(`transaction ${result.status.type}`));
          }).catch(reject);
        }),
    ),
  );
}

const route = async (id, cls = 'production') => (await api.rpc.releases.route('Records', cls, id)).toJSON();
const routedVersion = (events) => find(events, api.events.releases.Routed)?.data.version.toNumber();

test('a gray release whose new version fails too often rolls back by itself', async () => {
  const ids = Array.from({ length: 40 }, (_, i) => `auto-${i}`);
  await sendAll(ids.map((id) => api.tx.records.create(id, 's0', '0x' + '00'.repeat(32))), alice);
  assert.deepEqual(await route('auto-0'), { version: 1, release: null, stage: null, shareBp: null, bucket: null, code: null });

  const rules = { window: 100, maxFailureBp: 2000, minSample: 10 };
  await govern(api.tx.releases.setHealthRules(rules));
  const opened = await govern(api.tx.releases.openRelease('Records', 2, [bob.address]));
  assert.ok(find(opened, api.events.releases.ReleaseOpened));
  await govern(api.tx.releases.startGray(1, 5000));
  const release = (await api.query.releases.releases(1)).unwrap();
  assert.equal(release.stage.asGray.shareBp.toNumber(), 5000);

  // The records routed to version 2 get their current state again: version 1 accepts that,
  // version 2 refuses it (UnchangedState).
  const routes = await Promise.all(ids.map((id) => route(id)));
  const toNew = ids.filter((_, i) => routes[i].version === 2);
  const toOld = ids.filter((_, i) => routes[i].version === 1);
  assert.ok(toNew.length >= 12 && toOld.length >= 5, `${toNew.length} of 40 routed to version 2`);
  const old = await sendAll(toOld.slice(0, 5).map((id) => api.tx.records.updateState(id, 's0')), alice);
  assert.ok(old.every((r) => !r.failed && routedVersion(r.events) === 1), 'version 1 accepts a resent state');
  const results = await sendAll(toNew.slice(0, 12).map((id) => api.tx.records.updateState(id, 's0')), alice);
  const [failing, later] = [results.slice(0, 10), results.slice(10)];
  assert.ok(failing.every((r) => r.failed && routedVersion(r.events) === 2), 'version 2 refuses a resent state');
  const rolled = find(failing[9].events, api.events.releases.AutoRolledBack);
  assert.ok(rolled, 'the tenth failure of version 2 (the minimum sample) rolled the release back');
  assert.deepEqual(
    [rolled.data.version, rolled.data.calls, rolled.data.failures, rolled.data.maxFailureBp].map((v) => v.toNumber()),
    [2, 10, 10, 2000],
  );
  // The transactions after it, in the same block or the next, run version 1 and succeed.
  assert.ok(later.every((r) => !r.failed && routedVersion(r.events) === undefined));

  const after = (await api.query.releases.releases(1)).unwrap();
  assert.ok(after.stage.isRolledBack && after.stage.asRolledBack.automatic.isTrue);
  assert.deepEqual(after.history.map((e) => e.stage.type), ['PreRelease', 'Gray', 'RolledBack']);
  assert.equal((await route(toNew[0])).version, 1);
  const health = await api.query.releases.health(1, 2);
  assert.ok(health.length >= 1 && health[0].failures.toNumber() >= 10);
  // Everything runs version 1 again: the resent state is accepted.
  const again = await send(api.tx.records.updateState(toNew[0], 's0'), alice);
  assert.ok(!find(again, api.events.releases.Routed), 'no live release: no Routed event');
});

test('a release goes pre-release -> gray 20% -> switch, each stage by a passed proposal', async () => {
  await sendAll(['pre-1', 'gray-1'].map((id) => api.tx.records.create(id, 'v1', '0x' + '11'.repeat(32))), bob);
  const opened = await govern(api.tx.releases.openRelease('Records', 2, [bob.address]));
  const id = find(opened, api.events.releases.ReleaseOpened).data.release.toNumber();
  assert.equal(id, 2);
  // Out of order: a switch from pre-release is refused, and changes nothing.
  await assert.rejects(govern(api.tx.releases.switch(id)), /StageOutOfOrder/);
  await assert.rejects(govern(api.tx.releases.startGray(id, 10_001)), /ShareTooLarge/);

  // Pre-release: the cohort's pre-release tests run version 2; production and outsiders' tests do not.
  const test1 = await send(api.tx.releases.asClass('PreReleaseTest', api.tx.records.updateState('pre-1', 'v2')), bob);
  assert.equal(routedVersion(test1), 2);
  assert.equal(find(test1, api.events.records.Revised).data.revision.toNumber(), 1);
  assert.equal(routedVersion(await send(api.tx.records.updateState('pre-1', 'p'), bob)), 1);
  await assert.rejects(
    send(api.tx.releases.asClass('PreReleaseTest', api.tx.records.create('c-1', 'x', '0x' + '00'.repeat(32))), charlie),
    /1010|Custom|cohort/i,
  );
  assert.equal((await route('pre-1', 'preReleaseTest')).version, 2);
  assert.equal((await route('pre-1', 'grayTest')).version, 1);

  // Gray at 20%: the tests and a fifth of the data ids run version 2.
  await govern(api.tx.releases.startGray(id, 2000));
  const sample = await Promise.all(Array.from({ length: 1000 }, (_, i) => route(`data-${i}`)));
  const share = sample.filter((r) => r.version === 2).length;
  assert.ok(share >= 160 && share <= 240, `${share} of 1000 data ids run version 2 at 20%`);
  assert.ok(sample.every((r) => r.stage === 'Gray' && r.shareBp === 2000 && (r.version === 2) === r.bucket < 2000));
  const gray = await route('gray-1');
  const events = await send(api.tx.records.updateState('gray-1', 'g'), bob);
  assert.equal(routedVersion(events), gray.version, 'the RPC names the version the chain runs');

  // Switch: everything runs version 2, which becomes the current version.
  await govern(api.tx.releases.switch(id));
  assert.equal((await route('anything')).version, 2);
  assert.equal((await api.query.releases.current('Records')).unwrap().toNumber(), 2);
  assert.equal(routedVersion(await send(api.tx.records.updateState('gray-1', 'h'), bob)), 2);
  await assert.rejects(send(api.tx.records.updateState('gray-1', 'h'), bob), /UnchangedState/);
  const history = (await api.query.releases.releases(id)).unwrap().history;
  assert.deepEqual(history.map((e) => e.stage.type), ['PreRelease', 'Gray', 'Switched']);
});
