// polkadot.js against a real accord-node (--dev): the Organizations pallet's calls, storage
// and events decode from metadata; a consortium of three organizations is set up through
// sudo; an organization binds a physical resource set and registers a node with a key
// proof; a stranger is refused by the membership gate with the reason.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ApiPromise, WsProvider } from '@polkadot/api';
import { Keyring } from '@polkadot/keyring';
import { u8aConcat, stringToU8a, u8aToHex } from '@polkadot/util';
import { startNode } from './node.mjs';
import { send as sendWith, names } from './tx.mjs';

const send = (tx, signer) => sendWith(api, tx, signer);

let node;
let api;
let keyring;
let alice;
let beta;
let gamma;

before(async () => {
  node = await startNode(['--block-time-ms', '500']);
  api = await ApiPromise.create({ provider: new WsProvider(node.wsUrl), noInitWarn: true, throwOnConnect: true });
  keyring = new Keyring({ type: 'sr25519' });
  alice = keyring.addFromUri('//Alice');
  beta = keyring.addFromUri('//BetaAdmin');
  gamma = keyring.addFromUri('//GammaAdmin');
});

after(async () => {
  await api?.disconnect();
  await node?.stop();
});


test('the development organization is decoded from storage', async () => {
  const dev = (await api.query.organizations.orgs(1)).unwrap();
  assert.equal(dev.name.toUtf8(), 'Development');
  assert.ok(dev.status.isActive);
  assert.ok(dev.category.isOffCloud);
  assert.deepEqual(dev.admins.map((a) => a.toString()), [alice.address]);
  assert.equal(dev.members.toNumber(), 16, "six dev accounts and the ten Hardhat/Anvil accounts");
  const bob = keyring.addFromUri('//Bob');
  assert.equal((await api.query.organizations.accountOrg(bob.address)).unwrap().toNumber(), 1);
  assert.ok((await api.query.organizations.members(1, bob.address)).unwrap().isMember);
  assert.equal((await api.query.organizations.open()).isTrue, false);
  assert.equal((await api.query.organizations.lastOrgCode()).toNumber(), 1);
  assert.equal(api.consts.organizations.adminsMax.toNumber(), 16);
});

test('a stranger is refused by the membership gate, with the reason', async () => {
  const stranger = keyring.addFromUri('//Stranger');
  await send(api.tx.balances.transferKeepAlive(stranger.address, 10n ** 15n), alice);
  await assert.rejects(
    send(api.tx.balances.transferKeepAlive(alice.address, 1), stranger),
    (e) => e.message.includes('1010') && e.message.includes('sender is not a member of an active organization'),
  );
});

test('root registers two more organizations: a consortium of three', async () => {
  for (const who of [beta, gamma]) await send(api.tx.balances.transferKeepAlive(who.address, 10n ** 15n), alice);
  const credentials = { accessKeyHash: null, tokenHash: u8aToHex(new Uint8Array(32).fill(7)), tls: null };
  const events = await send(
    api.tx.sudo.sudo(api.tx.organizations.registerOrg('Beta', 'OffCloud', [beta.address], credentials)),
    alice,
  );
  const registered = events.find((event) => api.events.organizations.OrgRegistered.is(event));
  assert.ok(registered, names(events).join(','));
  assert.equal(registered.data.org.toNumber(), 2);
  assert.equal(registered.data.name.toUtf8(), 'Beta');
  await send(api.tx.sudo.sudo(api.tx.organizations.registerOrg('Gamma', 'OnCloud', [gamma.address], credentials)), alice);
  assert.equal((await api.query.organizations.lastOrgCode()).toNumber(), 3);
  const all = await api.query.organizations.orgs.entries();
  assert.deepEqual(all.map(([, org]) => org.unwrap().name.toUtf8()).sort(), ['Beta', 'Development', 'Gamma']);
  // Their admins may transact now.
  await send(api.tx.balances.transferKeepAlive(alice.address, 1), beta);
});

test("an admin adds a member; a non-admin's call fails with the pallet's error", async () => {
  const member = keyring.addFromUri('//BetaMember');
  const events = await send(api.tx.organizations.addMember(2, member.address), beta);
  const added = events.find((event) => api.events.organizations.MemberAdded.is(event));
  assert.equal(added.data.who.toString(), member.address);
  await assert.rejects(send(api.tx.organizations.addMember(3, member.address), beta), /NotAdmin/);
  const org = (await api.query.organizations.orgs(2)).unwrap();
  assert.equal(org.members.toNumber(), 2);
});

test('Beta binds a physical set and registers a node that proves its key', async () => {
  const space = { Physical: [{ host: '127.0.0.1', port: 30333 }, { host: '127.0.0.1', port: 30334 }] };
  await send(api.tx.organizations.bindResourceSpace(2, space), beta);
  // Gamma is on-cloud: a physical set is the wrong kind of space.
  await assert.rejects(send(api.tx.organizations.bindResourceSpace(3, space), gamma), /WrongCategory/);

  const nodeKey = new Keyring({ type: 'ed25519' }).addFromUri('//BetaNode1');
  const genesis = api.genesisHash.toU8a();
  const org = api.createType('u32', 2).toU8a();
  const payload = u8aConcat(stringToU8a('accord/register-node:'), genesis, org, nodeKey.publicKey);
  const proof = nodeKey.sign(payload);
  const address = { host: '127.0.0.1', port: 30333 };
  const events = await send(api.tx.organizations.registerNode(2, nodeKey.publicKey, address, 'Validator', 'Nvm', proof), beta);
  assert.ok(events.some((event) => api.events.organizations.NodeRegistered.is(event)), names(events).join(','));
  const stored = (await api.query.organizations.nodes(nodeKey.publicKey)).unwrap();
  assert.equal(stored.org.toNumber(), 2);
  assert.equal(stored.address.host.toUtf8(), '127.0.0.1');
  assert.ok(stored.role.isValidator && stored.medium.isNvm);
  // A second node at a port outside the set is refused.
  const other = new Keyring({ type: 'ed25519' }).addFromUri('//BetaNode2');
  const otherProof = other.sign(u8aConcat(stringToU8a('accord/register-node:'), genesis, org, other.publicKey));
  await assert.rejects(
    send(api.tx.organizations.registerNode(2, other.publicKey, { host: '127.0.0.1', port: 40000 }, 'Observer', 'Hdd', otherProof), beta),
    /NodeOutsideSpace/,
  );
});

test('suspension blocks the organization, exit revokes everything', async () => {
  await send(api.tx.sudo.sudo(api.tx.organizations.suspendOrg(3)), alice);
  assert.ok((await api.query.organizations.orgs(3)).unwrap().status.isSuspended);
  await assert.rejects(send(api.tx.balances.transferKeepAlive(alice.address, 1), gamma), /not a member of an active organization/);
  await send(api.tx.sudo.sudo(api.tx.organizations.resumeOrg(3)), alice);
  await send(api.tx.balances.transferKeepAlive(alice.address, 1), gamma);

  const events = await send(api.tx.organizations.exitOrg(2), beta);
  const exited = events.find((event) => api.events.organizations.OrgExited.is(event));
  assert.equal(exited.data.members.toNumber(), 2);
  assert.equal(exited.data.nodes.toNumber(), 1);
  assert.ok((await api.query.organizations.orgs(2)).unwrap().status.isExited);
  assert.ok((await api.query.organizations.accountOrg(beta.address)).isNone);
  assert.equal((await api.query.organizations.nodes.entries()).length, 0);
});
