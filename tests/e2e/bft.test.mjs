// polkadot.js against a BFT network (four validators and a full node): a transfer sent
// through the full node is gossiped, included and finalized, and the client sees inBlock
// (notarized) before finalized; the finalized head follows BFT finality.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ApiPromise, WsProvider } from '@polkadot/api';
import { Keyring } from '@polkadot/keyring';
import { rpc, types } from '@accord/rpc-definitions';
import { startNetwork } from './node.mjs';

let net;
let api;
let provider;

before(async () => {
  net = await startNetwork();
  provider = new WsProvider(net.wsUrl);
  api = await ApiPromise.create({ provider, noInitWarn: true, throwOnConnect: true, rpc, types });
});

after(async () => {
  await api?.disconnect();
  await net?.stop();
});

test('finalized heads advance through the full node', async () => {
  const heads = [];
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`only ${heads.length} finalized heads in 60 s`)), 60_000);
    api.rpc.chain.subscribeFinalizedHeads((header) => {
      heads.push(header.number.toNumber());
      if (heads.length >= 3) {
        clearTimeout(timer);
        resolve();
      }
    }).catch(reject);
  });
  for (let i = 1; i < heads.length; i++) assert.ok(heads[i] > heads[i - 1], `heads ${heads}`);
});

test('a transfer through the full node goes inBlock, then finalized', async () => {
  const keyring = new Keyring({ type: 'sr25519' });
  const alice = keyring.addFromUri('//Alice');
  const bob = keyring.addFromUri('//Bob');
  const amount = 1_000_000_000n;
  const before = (await api.query.system.account(bob.address)).data.free.toBigInt();
  const statuses = await new Promise((resolve, reject) => {
    const seen = [];
    const timer = setTimeout(() => reject(new Error(`not finalized in 90 s: ${seen}`)), 90_000);
    api.tx.balances.transferKeepAlive(bob.address, amount).signAndSend(alice, (result) => {
      seen.push(result.status.type);
      if (result.status.isFinalized) {
        clearTimeout(timer);
        resolve(seen);
      }
      if (result.status.isInvalid || result.status.isDropped) reject(new Error(`transaction ${result.status.type}`));
    }).catch(reject);
  });
  const inBlock = statuses.indexOf('InBlock');
  assert.ok(inBlock >= 0 && inBlock < statuses.indexOf('Finalized'), `statuses: ${statuses}`);
  const after = (await api.query.system.account(bob.address)).data.free.toBigInt();
  assert.equal(after - before, amount);
});

test('the validator set: on chain (polkadot.js decodes it) and as consensus uses it', async () => {
  const stored = (await api.query.validators.validators()).map((key) => key.toHex());
  assert.equal(stored.length, 4, 'the local chain stores its four genesis validators');
  const epoch = await provider.send('accord_validators', []);
  assert.equal(epoch.epochLength, 600);
  assert.equal(epoch.epoch, epoch.currentEpoch);
  assert.deepEqual([...epoch.validators].sort(), [...stored].sort());
  const later = await provider.send('accord_validators', [epoch.currentEpoch + 1000]);
  assert.equal(later.validators, null, 'an epoch not reached has no set yet');
  // The same through the decorated, typed method of @accord/rpc-definitions.
  const typed = (await api.rpc.accord.validators()).unwrap();
  assert.equal(typed.epochLength.toNumber(), 600);
  assert.deepEqual(typed.validators.unwrap().map((k) => k.toHex()).sort(), [...stored].sort());
  const certificate = await api.rpc.accord.getFinalityCertificate();
  assert.ok(certificate.isSome && certificate.unwrap().length > 0, 'the finalized head has a certificate');
});
