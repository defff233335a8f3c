// polkadot.js against a BFT network (four validators and a full node): a transfer sent
// through the full node is gossiped, included and finalized, and the client sees inBlock
// (notarized) before finalized; the finalized head follows BFT finality. A Solidity contract
// deployed and called with ethers.js through the full node: every node reports the same
// receipts and contract storage.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ApiPromise, WsProvider } from '@polkadot/api';
import { Keyring } from '@polkadot/keyring';
import { rpc, types } from '@accord/rpc-definitions';
import { HDNodeWallet, JsonRpcProvider, ContractFactory } from 'ethers';
import { startNetwork } from './node.mjs';
import { compile } from './solc.mjs';

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
    const timer = setTimeout(() => reject(new Error(`only ${heads.length} finalized heads in 60 s; the nodes' last lines:\n${net.logTail()}`)), 60_000);
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

test('30 back-to-back transfers from one account without explicit nonces all land; state at each inBlock answers', async () => {
  const keyring = new Keyring({ type: 'sr25519' });
  const alice = keyring.addFromUri('//Alice');
  const bob = keyring.addFromUri('//Bob');
  const amount = 1_000_000_000n;
  const count = 30;
  // The network is up (as after the tests above, should this one run alone): a block past
  // genesis is finalized.
  for (let waited = 0; ; waited += 500) {
    const finalizedHead = await api.rpc.chain.getHeader(await api.rpc.chain.getFinalizedHead());
    if (finalizedHead.number.toNumber() >= 1) break;
    assert.ok(waited < 60_000, 'no block finalized in 60 s');
    await new Promise((r) => setTimeout(r, 500));
  }
  const before = (await api.query.system.account(bob.address)).data.free.toBigInt();
  const accountPrefix = api.query.system.account.keyPrefix();
  const aliceKey = api.query.system.account.key(alice.address);
  const aliceId = api.createType('AccountId32', alice.address).toHex();
  const sendFailures = [];
  const stateFailures = [];
  const unknown = new Set();
  const finalized = [];
  // The reads a client makes at the block it was just told holds its transaction, sent as
  // soon as it is told (over the raw provider: nothing polkadot.js caches answers instead).
  const readsAt = async (hash) => {
    const calls = [
      ['state_getRuntimeVersion', [hash]],
      ['state_call', ['AccountNonceApi_account_nonce', aliceId, hash]],
      ['state_getMetadata', [hash]],
      ['state_getKeysPaged', [accountPrefix, 10, null, hash]],
      ['state_getStorage', [aliceKey, hash]],
      ['chain_getHeader', [hash]],
      ['chain_getBlock', [hash]],
    ];
    const results = await Promise.allSettled(calls.map(([method, params]) => provider.send(method, params)));
    const answers = {};
    results.forEach((r, i) => {
      const method = calls[i][0];
      const failure = r.status === 'rejected' ? (r.reason?.message ?? String(r.reason)) : r.value === null ? 'null' : null;
      if (failure) {
        stateFailures.push(`${method} at ${hash}: ${failure}`);
        unknown.add(hash);
      } else {
        answers[method] = r.value;
      }
    });
    const best = await provider.send('chain_getHeader', []);
    const at = answers.chain_getHeader;
    if (!best) stateFailures.push(`chain_getHeader() (the best block) right after inBlock ${hash}: null`);
    else if (at && parseInt(best.number, 16) < parseInt(at.number, 16)) {
      stateFailures.push(`best block #${parseInt(best.number, 16)} is below the inBlock block #${parseInt(at.number, 16)}`);
    }
    if (answers.state_getKeysPaged?.length === 0) stateFailures.push(`state_getKeysPaged at ${hash}: no keys`);
  };
  let tx;
  let lastInBlock = null;
  // Where the node stands when a send fails: the nonce the transaction carried, what
  // AccountNonceApi answers at the best block, the best block and the last inBlock block.
  const standing = async () => {
    const [nonceAtBest, best] = await Promise.all([
      provider.send('state_call', ['AccountNonceApi_account_nonce', aliceId]),
      provider.send('chain_getHeader', []),
    ]).catch(() => [null, null]);
    const used = tx?.isSigned ? tx.nonce.toNumber() : '?';
    const atBest = nonceAtBest ? Buffer.from(nonceAtBest.slice(2), 'hex').readUInt32LE(0) : '?';
    return `nonce used ${used}, AccountNonceApi at best ${atBest}, best #${best ? parseInt(best.number, 16) : '?'}, last inBlock #${lastInBlock ?? '-'}`;
  };
  for (let i = 0; i < count; i++) {
    try {
      let onFinalized;
      finalized.push(new Promise((resolve) => (onFinalized = resolve)));
      tx = api.tx.balances.transferKeepAlive(bob.address, amount);
      const hash = await new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('not in a block in 60 s')), 60_000);
        tx.signAndSend(alice, (result) => {
          if (result.status.isInBlock || result.status.isFinalized) {
            clearTimeout(timer);
            const failed = result.events.find(({ event }) => api.events.system.ExtrinsicFailed.is(event));
            if (failed) reject(new Error(`ExtrinsicFailed: ${failed.event.data.dispatchError.toString()}`));
            else resolve((result.status.isInBlock ? result.status.asInBlock : result.status.asFinalized).toHex());
          }
          if (result.status.isFinalized) onFinalized(result.status.asFinalized.toHex());
          if (result.status.isInvalid || result.status.isDropped || result.status.isUsurped) {
            clearTimeout(timer);
            reject(new Error(`transaction ${result.status.type}`));
          }
        }).catch((e) => {
          clearTimeout(timer);
          reject(e);
        });
      });
      await readsAt(hash).catch((e) => stateFailures.push(`reads at ${hash}: ${e.message}`));
      const header = await provider.send('chain_getHeader', [hash]).catch(() => null);
      if (header) lastInBlock = parseInt(header.number, 16);
    } catch (e) {
      // polkadot.js's own failures (e.g. reading a block it was just told about) name where.
      const where = e instanceof TypeError ? ` (${e.stack.split('\n')[1]?.trim()})` : '';
      sendFailures.push(`send ${i + 1}: ${e.message}${where} [${await standing()}]`);
      finalized.pop();
    }
  }
  // Every landed transfer is finalized; Bob got each one once.
  const finalHashes = await Promise.race([
    Promise.all(finalized),
    new Promise((resolve) => setTimeout(() => resolve(null), 120_000).unref()),
  ]);
  // What became of the blocks the node did not know right after announcing them.
  const later = [];
  for (const hash of unknown) {
    const header = await provider.send('chain_getHeader', [hash]);
    later.push(`${hash}: ${header ? `later known as #${parseInt(header.number, 16)}` : 'still unknown'}${finalHashes?.includes(hash) ? ', finalized' : ''}`);
  }
  assert.deepEqual(
    { sendFailures, stateFailures, allFinalizedIn120s: finalHashes !== null },
    { sendFailures: [], stateFailures: [], allFinalizedIn120s: true },
    `${sendFailures.length} of ${count} sends failed; ${stateFailures.length} reads at an inBlock block failed` +
      (later.length ? ` (those blocks afterwards: ${later.join('; ')})` : ''),
  );
  const head = await api.rpc.chain.getFinalizedHead();
  const after = (await (await api.at(head)).query.system.account(bob.address)).data.free.toBigInt();
  assert.equal(after - before, BigInt(finalized.length) * amount);
});

test('a contract through the full node: all five nodes report the same receipts and storage', async () => {
  const keyring = new Keyring({ type: 'sr25519' });
  const alice = keyring.addFromUri('//Alice');
  // Hardhat's account 0: a member of the development organization; Alice funds its account
  // (the address followed by twelve 0xEE bytes).
  const wallet = HDNodeWallet.fromPhrase('test test test test test test test test test test test junk', undefined, "m/44'/60'/0'/0/0");
  const account = `${wallet.address.toLowerCase()}${'ee'.repeat(12)}`;
  await new Promise((resolve, reject) => {
    api.tx.balances.transferKeepAlive(account, 10n ** 15n).signAndSend(alice, (r) => {
      if (r.status.isFinalized) resolve();
      if (r.status.isInvalid || r.status.isDropped) reject(new Error(r.status.type));
    }).catch(reject);
  });
  const providers = net.httpUrls.map((url) => {
    const p = new JsonRpcProvider(url, undefined, { staticNetwork: true, batchMaxCount: 1 });
    p.pollingInterval = 250;
    return p;
  });
  try {
    const { abi, bytecode } = compile('Token.sol', 'Token');
    const full = providers[providers.length - 1];
    const token = await new ContractFactory(abi, bytecode, wallet.connect(full)).deploy(1000n);
    await token.waitForDeployment();
    const tx = await token.transfer(`0x${'42'.repeat(20)}`, 7n);
    const receipt = await tx.wait();
    assert.equal(receipt.status, 1);
    const address = await token.getAddress();
    // Once final everywhere, every node answers the same.
    const answers = await Promise.all(providers.map(async (p) => {
      for (let i = 0; i < 120 && (await p.getBlock('finalized')).number < receipt.blockNumber; i++) {
        await new Promise((r) => setTimeout(r, 250));
      }
      const at = `0x${receipt.blockNumber.toString(16)}`;
      return JSON.stringify([
        await p.send('eth_getTransactionReceipt', [tx.hash]),
        await p.send('eth_getStorageAt', [address, '0x0', at]),
        await p.send('eth_getCode', [address, at]),
        await p.send('eth_getLogs', [{ address, fromBlock: '0x0', toBlock: at }]),
      ]);
    }));
    assert.ok(answers[0].includes(tx.hash));
    for (const answer of answers) assert.equal(answer, answers[0]);
  } finally {
    providers.forEach((p) => p.destroy());
  }
});
