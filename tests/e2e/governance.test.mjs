// polkadot.js against a real accord-node (--dev): three organizations govern by votes.
// Sudo only registers the two organizations besides the development one; the balance and
// the voting rules are set by passed proposals. A rejected and an expired proposal too.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ApiPromise, WsProvider } from '@polkadot/api';
import { Keyring } from '@polkadot/keyring';
import { blake2AsHex } from '@polkadot/util-crypto';
import { startNode } from './node.mjs';
import { send as sendWith, find } from './tx.mjs';

const send = (tx, signer) => sendWith(api, tx, signer);

let node;
let api;
let alice;
let beta;
let gamma;

before(async () => {
  node = await startNode(['--block-time-ms', '500']);
  api = await ApiPromise.create({ provider: new WsProvider(node.wsUrl), noInitWarn: true, throwOnConnect: true });
  const keyring = new Keyring({ type: 'sr25519' });
  alice = keyring.addFromUri('//Alice');
  beta = keyring.addFromUri('//GovBeta');
  gamma = keyring.addFromUri('//GovGamma');
});

after(async () => {
  await api?.disconnect();
  await node?.stop();
});



// Proposes `call` for the development organization (Alice), then has `voters` vote.
async function decide(call, votes) {
  const proposed = find(await send(api.tx.governance.propose(1, call), alice), api.events.governance.Proposed);
  const id = proposed.data.proposal.toNumber();
  let last = [];
  for (const [org, signer, vote] of votes) last = await send(api.tx.governance.vote(id, org, vote), signer);
  return { id, last };
}

test('setup: Beta and Gamma join the development organization in the electorate', async () => {
  const credentials = { accessKeyHash: null, tokenHash: null, tls: null };
  for (const [name, pair] of [['Beta', beta], ['Gamma', gamma]]) {
    await send(api.tx.balances.transferKeepAlive(pair.address, 10n ** 15n), alice);
    await send(api.tx.sudo.sudo(api.tx.organizations.registerOrg(name, 'OnCloud', [pair.address], credentials)), alice);
  }
  const rules = await api.query.governance.defaultRules();
  assert.equal(rules.approvalPercent.toNumber(), 51);
  assert.equal(rules.quorumPercent.toNumber(), 50);
});

test('a proposal that sets a balance passes with two of three votes and the proposer executes it', async () => {
  const target = new Keyring({ type: 'sr25519' }).addFromUri('//GovTarget');
  const call = api.tx.balances.forceSetBalance(target.address, 42n * 10n ** 12n);
  const { id, last } = await decide(call, [
    [1, alice, 'Aye'],
    [2, beta, 'Aye'],
  ]);
  const passed = find(last, api.events.governance.Passed);
  assert.ok(passed, 'passed with the second aye');
  assert.equal(passed.data.tally.aye.toNumber(), 2);
  assert.equal(passed.data.tally.total.toNumber(), 3);
  const proposal = (await api.query.governance.proposals(id)).unwrap();
  assert.ok(proposal.status.isPassed);
  assert.equal(proposal.callHash.toHex(), blake2AsHex(call.method.toU8a()));
  assert.deepEqual(proposal.votes.map(([org, vote]) => [org.toNumber(), vote.type]), [[1, 'Aye'], [2, 'Aye']]);

  // Gamma can no longer vote; another call than the one voted is refused.
  await assert.rejects(send(api.tx.governance.vote(id, 3, 'Nay'), gamma), /NotVoting/);
  await assert.rejects(send(api.tx.governance.execute(id, api.tx.balances.forceSetBalance(target.address, 1)), alice), /WrongCall/);
  const executed = find(await send(api.tx.governance.execute(id, call), alice), api.events.governance.Executed);
  assert.ok(executed.data.result.isOk);
  const { data } = await api.query.system.account(target.address);
  assert.equal(data.free.toBigInt(), 42n * 10n ** 12n);
  await assert.rejects(send(api.tx.governance.execute(id, call), alice), /NoPermission/);
});

test('two nays reject a proposal at once', async () => {
  const call = api.tx.balances.forceSetBalance(beta.address, 1);
  const { id, last } = await decide(call, [
    [2, beta, 'Nay'],
    [3, gamma, 'Nay'],
  ]);
  assert.ok(find(last, api.events.governance.Rejected));
  assert.ok((await api.query.governance.proposals(id)).unwrap().status.isRejected);
});

test('governance shortens its own voting period, then a proposal without the quorum expires', async () => {
  const rules = { quorumPercent: 50, approvalPercent: 51, votingPeriod: 6, permissionLifetime: 600, executeOnPass: false };
  const setRules = api.tx.governance.setRules(2, rules);
  const { id } = await decide(setRules, [
    [1, alice, 'Aye'],
    [3, gamma, 'Aye'],
  ]);
  const set = await send(api.tx.governance.execute(id, setRules), alice);
  assert.ok(find(set, api.events.governance.RulesSet));
  assert.equal((await api.query.governance.classRules(2)).unwrap().votingPeriod.toNumber(), 6);

  const { id: lonely } = await decide(api.tx.balances.forceSetBalance(gamma.address, 1), [[1, alice, 'Aye']]);
  for (let i = 0; i < 80 && (await api.query.governance.proposals(lonely)).unwrap().status.isVoting; i++) {
    await new Promise((r) => setTimeout(r, 250));
  }
  assert.ok((await api.query.governance.proposals(lonely)).unwrap().status.isExpired);
});
