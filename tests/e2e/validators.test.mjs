// polkadot.js against a real accord-node (--dev): the validators pallet's call and storage
// decode from metadata, and //Alice (the sudo key) adds a validator through sudo.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ApiPromise, WsProvider } from '@polkadot/api';
import { Keyring } from '@polkadot/keyring';
import { startNode } from './node.mjs';

// `subkey inspect --scheme ed25519 //Alice`: a valid ed25519 point.
const ED25519_ALICE = '0x88dc3417d5058ec4b4503e0c12ea1a0a89be200fe98922423d4334014fa6b0ee';

let node;
let api;
let alice;

before(async () => {
  node = await startNode(['--block-time-ms', '500']);
  api = await ApiPromise.create({ provider: new WsProvider(node.wsUrl), noInitWarn: true, throwOnConnect: true });
  alice = new Keyring({ type: 'sr25519' }).addFromUri('//Alice');
});

after(async () => {
  await api?.disconnect();
  await node?.stop();
});

// Submits and resolves with the result once finalized.
function sendAndFinalize(tx, signer) {
  return new Promise((resolve, reject) => {
    tx.signAndSend(signer, (result) => {
      if (result.status.isFinalized) resolve(result);
      if (result.status.isInvalid || result.status.isDropped || result.status.isUsurped) {
        reject(new Error(`transaction ${result.status.type}`));
      }
    }).catch(reject);
  });
}

test('validators.addValidator takes one [u8;32]', () => {
  const add = api.tx.validators?.addValidator;
  assert.ok(add, 'validators.addValidator from metadata');
  assert.equal(add.meta.args.length, 1);
  assert.equal(add.meta.args[0].name.toString(), 'validator');
  assert.equal(add.meta.args[0].type.toString(), '[u8;32]');
  assert.ok(api.tx.validators.setValidators && api.tx.validators.removeValidator);
  assert.equal(api.consts.validators.validatorsMax.toNumber(), 64);
});

test('query.validators.validators() decodes, empty on --dev', async () => {
  const set = await api.query.validators.validators();
  assert.equal(set.length, 0);
});

test('sudo(addValidator) by Alice is finalized and stores the key', async () => {
  const result = await sendAndFinalize(api.tx.sudo.sudo(api.tx.validators.addValidator(ED25519_ALICE)), alice);
  const names = result.events.map(({ event }) => `${event.section}.${event.method}`);
  const sudid = result.events.find(({ event }) => api.events.sudo.Sudid.is(event));
  assert.ok(sudid?.event.data.sudoResult.isOk, `Sudid Ok: ${names.join(',')}`);
  const added = result.events.find(({ event }) => api.events.validators.ValidatorAdded.is(event));
  assert.ok(added, `validators.ValidatorAdded: ${names.join(',')}`);
  assert.equal(added.event.data.validator.toHex(), ED25519_ALICE);
  const set = await api.query.validators.validators();
  assert.deepEqual(set.map((key) => key.toHex()), [ED25519_ALICE]);
});
