// polkadot.js against a real accord-node (--dev): a consortium of three organizations forms
// an alliance (one invitee accepts, one rejects), a fourth organization joins with both
// members' approvals, and a business chain is created; calls, storage, tasks and events all
// decode from metadata.
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
const admins = {};

before(async () => {
  node = await startNode(['--block-time-ms', '500']);
  api = await ApiPromise.create({ provider: new WsProvider(node.wsUrl), noInitWarn: true, throwOnConnect: true });
  const keyring = new Keyring({ type: 'sr25519' });
  alice = keyring.addFromUri('//Alice');
  for (const name of ['Beta', 'Gamma', 'Delta']) admins[name] = keyring.addFromUri(`//${name}Admin`);
});

after(async () => {
  await api?.disconnect();
  await node?.stop();
});



test('three organizations: Development (from genesis), Beta and Gamma; Delta comes later', async () => {
  const credentials = { accessKeyHash: null, tokenHash: null, tls: null };
  const calls = [];
  for (const [name, pair] of Object.entries(admins)) {
    calls.push(api.tx.balances.transferKeepAlive(pair.address, 10n ** 15n));
    calls.push(api.tx.sudo.sudo(api.tx.organizations.registerOrg(name, 'OnCloud', [pair.address], credentials)));
  }
  for (const call of calls) await send(call, alice);
  assert.equal((await api.query.organizations.lastOrgCode()).toNumber(), 4);
  const platform = (await api.query.alliances.platforms(1)).unwrap();
  assert.equal(platform.name.toUtf8(), 'accord');
  assert.deepEqual(platform.interfaces.map((i) => i.type), ['Network', 'Chain', 'Contract', 'Operations']);
});

test('Development creates an alliance: Beta accepts, Gamma rejects', async () => {
  const events = await send(api.tx.alliances.createAlliance(1, 'Trade', 1, [2, 3], 200), alice);
  const created = find(events, api.events.alliances.AllianceCreated);
  assert.equal(created.data.alliance.toNumber(), 1);
  assert.equal(events.filter((e) => api.events.alliances.Invited.is(e)).length, 2);
  let alliance = (await api.query.alliances.alliances(1)).unwrap();
  assert.ok(alliance.status.isForming);
  assert.equal((await api.query.alliances.invitations(1, 2)).unwrap().toNumber(), alliance.task.toNumber());

  await send(api.tx.alliances.acceptInvitation(1, 2), admins.Beta);
  alliance = (await api.query.alliances.alliances(1)).unwrap();
  assert.ok(alliance.status.isActive);
  assert.deepEqual(alliance.members.map((m) => m.toNumber()), [1, 2]);

  const rejected = await send(api.tx.alliances.rejectInvitation(1, 3), admins.Gamma);
  assert.ok(find(rejected, api.events.alliances.InvitationRejected));
  assert.ok(find(rejected, api.events.alliances.TaskSucceeded), 'every invitation answered');
  const task = (await api.query.alliances.tasks(alliance.task)).unwrap();
  assert.ok(task.status.isSucceeded && task.kind.isCreateAlliance);
  assert.deepEqual(task.parts.map(([org, part]) => [org.toNumber(), part.type]), [[2, 'Done'], [3, 'Declined']]);
  assert.ok((await api.query.alliances.invitations(1, 3)).isNone);
});

test('Delta joins with the approval of both members', async () => {
  const requested = await send(api.tx.alliances.requestJoin(1, 4, 200), admins.Delta);
  const started = find(requested, api.events.alliances.TaskStarted);
  assert.ok(started.data.kind.isJoinAlliance);
  assert.equal(started.data.kind.asJoinAlliance.org.toNumber(), 4);
  const taskId = (await api.query.alliances.joinRequests(1, 4)).unwrap().task;

  // Not a member: Gamma's answer is refused.
  await assert.rejects(send(api.tx.alliances.approveJoin(1, 4, 3), admins.Gamma), /NotMember/);
  await send(api.tx.alliances.approveJoin(1, 4, 1), alice);
  let alliance = (await api.query.alliances.alliances(1)).unwrap();
  assert.deepEqual(alliance.members.map((m) => m.toNumber()), [1, 2], 'one approval of two is not enough');
  const progress = (await api.query.alliances.tasks(taskId)).unwrap();
  assert.deepEqual(progress.parts.map(([org, part]) => [org.toNumber(), part.type]), [[1, 'Done'], [2, 'Waiting']]);

  const approved = await send(api.tx.alliances.approveJoin(1, 4, 2), admins.Beta);
  assert.equal(find(approved, api.events.alliances.MemberJoined).data.org.toNumber(), 4);
  alliance = (await api.query.alliances.alliances(1)).unwrap();
  assert.deepEqual(alliance.members.map((m) => m.toNumber()), [1, 2, 4]);
  assert.ok((await api.query.alliances.joinRequests(1, 4)).isNone);
  assert.equal((await api.query.alliances.orgAlliances.keys(4)).length, 1);
});

test('a business chain without nodes is active at once; a non-member cannot create one', async () => {
  const blockchain = {
    externalId: 'ledger-1',
    name: 'Ledger',
    platform: 1,
    orgs: [1, 2],
    nodes: [],
    nodeSpec: 'cpu=1',
    chainSpec: 'consensus=bft',
    extra: '{"purpose":"settlement"}',
  };
  await assert.rejects(
    send(api.tx.alliances.createBusinessChain(1, 3, 'Ledger', 'MultiSubchain', [3], [blockchain]), admins.Gamma),
    /NotMember/,
  );
  const events = await send(api.tx.alliances.createBusinessChain(1, 2, 'Ledger', 'SingleChainIsolation', [1, 2], [blockchain]), admins.Beta);
  const activated = find(events, api.events.alliances.ChainActivated);
  assert.equal(activated.data.chain.toNumber(), 1);
  const chain = (await api.query.alliances.chains(1)).unwrap();
  assert.ok(chain.status.isActive && chain.mode.isSingleChainIsolation);
  assert.equal(chain.blockchains[0].extra.toUtf8(), '{"purpose":"settlement"}');
  assert.equal(api.consts.alliances.allianceMembersMax.toNumber(), 32);
});

test('only the leader deletes, after a notice', async () => {
  await assert.rejects(send(api.tx.alliances.deleteAlliance(1, 10), admins.Beta), /NotLeader/);
  const events = await send(api.tx.alliances.deleteAlliance(1, 10), alice);
  const scheduled = find(events, api.events.alliances.DeletionScheduled);
  const at = scheduled.data.effectiveAt.toNumber();
  const alliance = (await api.query.alliances.alliances(1)).unwrap();
  assert.equal(alliance.status.asDeleting.effectiveAt.toNumber(), at);
  // Wait for the block that removes it (half-second blocks).
  for (let i = 0; i < 100 && (await api.query.alliances.alliances(1)).isSome; i++) {
    await new Promise((r) => setTimeout(r, 250));
  }
  assert.ok((await api.query.alliances.alliances(1)).isNone);
  assert.ok((await api.query.alliances.chains(1)).isNone);
});
