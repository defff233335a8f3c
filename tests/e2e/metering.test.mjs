// polkadot.js against a real accord-node (--dev): VR from an issuer's freezing certificate,
// fees priced from measured resources (paymentInfo is what the chain charges), an admission
// threshold refused by the pool, and no payout for a registered node that did no work.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ApiPromise, WsProvider } from '@polkadot/api';
import { Keyring } from '@polkadot/keyring';
import { u8aConcat, u8aToHex, stringToU8a, bnToU8a } from '@polkadot/util';
import { ed25519PairFromSeed, ed25519Sign, cryptoWaitReady } from '@polkadot/util-crypto';
import { rpc, types } from '@accord/rpc-definitions';
import { startNode } from './node.mjs';
import { send as sendWith, find } from './tx.mjs';

const send = (tx, signer) => sendWith(api, tx, signer);
const UNIT = 10n ** 12n;

let node;
let api;
let alice;
let holder;
const issuer = () => ed25519PairFromSeed(new Uint8Array(32).fill(42));

before(async () => {
  await cryptoWaitReady();
  node = await startNode(['--block-time-ms', '300']);
  api = await ApiPromise.create({ provider: new WsProvider(node.wsUrl), rpc, types, noInitWarn: true, throwOnConnect: true });
  const keyring = new Keyring({ type: 'sr25519' });
  alice = keyring.addFromUri('//Alice');
  holder = keyring.addFromUri('//MeterHolder');
});

after(async () => {
  await api?.disconnect();
  await node?.stop();
});

const sudo = (call) => send(api.tx.sudo.sudo(call), alice);
const free = async (who) => (await api.query.system.account(who)).data.free.toBigInt();

test('an issuer registered by root credits a certificate once; the holder pays fees with it', async () => {
  await sudo(api.tx.metering.registerIssuer(u8aToHex(issuer().publicKey), 'Bank'));
  await send(api.tx.organizations.addMember(1, holder.address), alice);
  const certType = api.tx.metering.exchange.meta.args[0].type.toString();
  const certificate = { holder: holder.address, amount: 50n * UNIT, asset: 'CNY', serial: 'S-1', expiryMs: Date.now() + 600_000 };
  const payload = u8aConcat(stringToU8a('accord/vr-certificate:'), api.genesisHash.toU8a(), api.createType(certType, certificate).toU8a());
  const signature = u8aToHex(ed25519Sign(payload, issuer()));
  const exchanged = await send(api.tx.metering.exchange(certificate, u8aToHex(issuer().publicKey), signature), alice);
  assert.equal(find(exchanged, api.events.metering.Exchanged).data.amount.toBigInt(), 50n * UNIT);
  assert.equal(await free(holder.address), 50n * UNIT);
  const credit = (await api.query.metering.credits(u8aToHex(issuer().publicKey), 'S-1')).unwrap();
  assert.equal(credit.holder.toString(), holder.address);
  // The same certificate again: refused.
  await assert.rejects(send(api.tx.metering.exchange(certificate, u8aToHex(issuer().publicKey), signature), alice), /SerialUsed/);

  // paymentInfo is what the chain charges: the same formula on a dry run of the dispatch.
  for (const dest of [alice.address, new Keyring({ type: 'sr25519' }).addFromUri('//MeterNew').address]) {
    const tx = api.tx.balances.transferKeepAlive(dest, 2n * UNIT);
    const info = await tx.paymentInfo(holder);
    const before = await free(holder.address);
    const events = await send(tx, holder);
    const charged = find(events, api.events.metering.FeeCharged);
    assert.equal(charged.data.fee.toBigInt(), info.partialFee.toBigInt(), `to ${dest}`);
    assert.equal(charged.data.priceVersion.toNumber(), 1);
    assert.equal(before - (await free(holder.address)), 2n * UNIT + info.partialFee.toBigInt());
  }
  const redeemed = await send(api.tx.metering.redeem(u8aToHex(issuer().publicKey), 5n * UNIT), holder);
  assert.ok(find(redeemed, api.events.metering.RedemptionRequested));
});

test('an exact admission threshold is enforced by the pool with a clear reason', async () => {
  // Poor holds the existential deposit and more than the attempt fee (compute and network),
  // less than the exact fee with the storage its transfer writes.
  const poor = new Keyring({ type: 'sr25519' }).addFromUri('//MeterPoor');
  await send(api.tx.balances.transferKeepAlive(poor.address, 1_000_000_000n + 1_500_000_000n), alice);
  await send(api.tx.organizations.addMember(1, poor.address), alice);
  const tx = api.tx.balances.transferKeepAlive(alice.address, 1);
  const quote = (await api.rpc.metering.quote((await tx.signAsync(poor, { nonce: 0 })).toHex())).toJSON();
  const attempt = BigInt(quote.fee.compute) + BigInt(quote.fee.network);
  assert.ok(attempt < 1_500_000_000n && BigInt(quote.fee.total) > 1_500_000_000n, JSON.stringify(quote));
  await sudo(api.tx.metering.setMode(2, { Admission: 'Exact' }));
  assert.deepEqual((await api.query.metering.modes(2)).toJSON(), { admission: 'Exact' });
  await assert.rejects(
    send(api.tx.balances.transferKeepAlive(alice.address, 1), poor),
    /Custom error 4: the payer's balance is below the admission threshold/,
  );
  // With the minimum threshold it is admitted, and its transfer, which it cannot pay the
  // storage of, is discarded; it pays the attempt.
  await sudo(api.tx.metering.setMode(2, { Admission: 'Minimum' }));
  const before = await free(poor.address);
  await assert.rejects(send(api.tx.balances.transferKeepAlive(alice.address, 1), poor), /CannotPayStorage/);
  assert.equal(before - (await free(poor.address)), attempt);
  await sudo(api.tx.metering.setMode(2, null));
});

test('a record deleted into the backup store is priced as quoted and recovered', async () => {
  await send(api.tx.records.create('doc-1', '0x' + '07'.repeat(100), '0x' + '00'.repeat(32)), alice);
  await assert.rejects(send(api.tx.metering.deleteData('Records', 'doc-1', 'Permanent', null, null), holder), /NotDeleter/);
  const tx = api.tx.metering.deleteData('Records', 'doc-1', 'Backup', 10, null);
  const info = await tx.paymentInfo(alice);
  const quote = (await api.rpc.metering.quote((await tx.signAsync(alice)).toHex())).toJSON();
  assert.ok(BigInt(quote.fee.backup) > 0n && BigInt(quote.fee.backupTime) > 0n, JSON.stringify(quote));
  const events = await send(api.tx.metering.deleteData('Records', 'doc-1', 'Backup', 10, null), alice);
  assert.ok(find(events, api.events.metering.DataDeleted));
  assert.ok(find(events, api.events.records.Deleted));
  assert.equal(find(events, api.events.metering.FeeCharged).data.fee.toBigInt(), info.partialFee.toBigInt());
  assert.ok((await api.query.records.records('doc-1')).isNone);
  const backup = (await api.query.metering.backups('Records', 'doc-1')).unwrap();
  assert.equal(backup.days.toNumber(), 10);
  assert.equal(backup.owner.toString(), alice.address);
  const recovered = await send(api.tx.metering.recoverData('Records', 'doc-1'), alice);
  assert.ok(find(recovered, api.events.metering.DataRecovered));
  assert.equal((await api.query.records.records('doc-1')).unwrap().state.length, 100);
  await assert.rejects(send(api.tx.metering.recoverData('Records', 'doc-1'), alice), /NoBackup/);
});

test('an owner buys storage quota; writes beyond it fail, and its usage is queryable', async () => {
  await send(api.tx.metering.buyQuota(1000), alice);
  const quota = await api.query.metering.quotas(alice.address);
  assert.equal(quota.limit.toNumber(), 1000);
  const used = quota.used.toNumber();
  await send(api.tx.records.create('quota-1', '0x' + '07'.repeat(200), '0x' + '00'.repeat(32)), alice);
  assert.ok((await api.query.metering.quotas(alice.address)).used.toNumber() > used + 200);
  await assert.rejects(
    send(api.tx.records.create('quota-2', '0x' + '07'.repeat(600), '0x' + '00'.repeat(32)), alice),
    /QuotaExceeded/,
  );
  assert.ok((await api.query.records.records('quota-2')).isNone);
});

test('a registered node that did no work is not paid and does not raise the network fee', async () => {
  // Register an observer node for the development organization (off-cloud: inside its physical
  // set). It never signs a block, so the payout period closes without paying anyone: only nodes
  // with a signed proof of work in the period count (a single-authority dev node signs none).
  await send(api.tx.organizations.bindResourceSpace(1, { Physical: [{ host: '10.0.0.7', port: 30333 }] }), alice);
  const nodeKey = ed25519PairFromSeed(new Uint8Array(32).fill(7));
  const proof = u8aConcat(stringToU8a('accord/register-node:'), api.genesisHash.toU8a(), bnToU8a(1, { bitLength: 32 }), nodeKey.publicKey);
  await send(
    api.tx.organizations.registerNode(1, u8aToHex(nodeKey.publicKey), { host: '10.0.0.7', port: 30333 }, 'Observer', 'Nvm', u8aToHex(ed25519Sign(proof, nodeKey))),
    alice,
  );
  await sudo(api.tx.metering.setPayoutRules({ period: 4, distribution: 'Equal' }));
  const closed = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no payout period closed in 30 s')), 30_000);
    api.query.system.events((records) => {
      const events = records.map((r) => r.event);
      const event = events.find((e) => api.events.metering.PayoutClosed.is(e));
      if (event) {
        clearTimeout(timer);
        resolve({ event, paidOut: events.some((e) => api.events.metering.PaidOut.is(e)) });
      }
    });
  });
  assert.equal(closed.paidOut, false);
  assert.equal(closed.event.data.paid.toBigInt(), 0n);
  assert.equal((await api.query.metering.periodNodes()).length, 0);
  assert.equal((await api.query.metering.nodeCount()).toNumber(), 1);
  const [income, out] = await Promise.all([api.query.metering.totalIncome(), api.query.metering.totalPaidOut()]);
  assert.ok(out.toBigInt() <= income.toBigInt());
});
