// Substrate API Sidecar (the REST service exchanges and wallets run in front of a node)
// against a real accord-node (--dev): Sidecar runs as a child process on a free port of
// 127.0.0.1, configured by its SAS_* environment variables, and its endpoints answer with
// the node's data.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { ApiPromise, WsProvider } from '@polkadot/api';
import { Keyring } from '@polkadot/keyring';
import { freePort, startNode } from './node.mjs';

const require = createRequire(import.meta.url);
// Sidecar's entry point (its package's `bin`), run with this Node.js.
const sidecarMain = require.resolve('@substrate/api-sidecar/build/src/main.js');

let node;
let api;
let sidecar;
let base;
let alice;
let bob;

// Starts Sidecar against `wsUrl` on a free port; resolves with its base URL once it listens.
async function startSidecar(wsUrl) {
  const port = await freePort();
  const child = spawn(process.execPath, [sidecarMain], {
    env: {
      ...process.env,
      SAS_SUBSTRATE_URL: wsUrl,
      SAS_EXPRESS_BIND_HOST: '127.0.0.1',
      SAS_EXPRESS_PORT: String(port),
      SAS_LOG_LEVEL: 'info',
      SAS_LOG_STRIP_ANSI: 'true',
      SAS_LOG_WRITE: 'false',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const collect = (chunk) => {
    if (process.env.ACCORD_TEST_SIDECAR_LOG) process.stderr.write(chunk);
    output = (output + chunk).slice(-20_000);
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const url = `http://127.0.0.1:${port}`;
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Sidecar did not listen in 90 s:\n${output}`)), 90_000);
    const exited = (code) => {
      clearTimeout(timer);
      reject(new Error(`Sidecar exited with ${code}:\n${output}`));
    };
    child.on('exit', exited);
    const poll = async () => {
      try {
        const response = await fetch(`${url}/`);
        if (response.ok) {
          clearTimeout(timer);
          child.off('exit', exited);
          resolve();
          return;
        }
      } catch {
        // not listening yet
      }
      if (child.exitCode === null) setTimeout(poll, 250);
    };
    poll();
  });
  return {
    url,
    output: () => output,
    async stop() {
      child.kill('SIGKILL');
      await new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r() : child.on('exit', r)));
    },
  };
}

// GET or POST (with a JSON body) against Sidecar; the status and the parsed body.
async function call(path, body) {
  const response = await fetch(`${base}${path}`, body === undefined ? {} : {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: response.status, body: json, text };
}

// Asserts a 200 and returns the body; the message names the endpoint and quotes the answer.
async function ok(path, body) {
  const result = await call(path, body);
  assert.equal(result.status, 200, `${path}: ${result.status} ${result.text.slice(0, 2000)}`);
  return result.body;
}

before(async () => {
  node = await startNode(['--block-time-ms', '500']);
  api = await ApiPromise.create({ provider: new WsProvider(node.wsUrl), noInitWarn: true, throwOnConnect: true });
  const keyring = new Keyring({ type: 'sr25519' });
  alice = keyring.addFromUri('//Alice');
  bob = keyring.addFromUri('//Bob');
  sidecar = await startSidecar(node.wsUrl);
  base = sidecar.url;
});

after(async () => {
  await sidecar?.stop();
  await api?.disconnect();
  await node?.stop();
});

// A signed transfer from Alice to Bob at her next nonce, not submitted: hex.
async function signedTransfer() {
  const tx = api.tx.balances.transferKeepAlive(bob.address, 10n ** 12n);
  await tx.signAsync(alice);
  return tx.toHex();
}

test('GET / lists the routes', async () => {
  const root = await ok('/');
  assert.equal(root.version, '18.0.0');
  const paths = root.routes.map((r) => r.path);
  for (const path of ['/blocks/head', '/accounts/:address/balance-info', '/node/network', '/transaction/material']) {
    assert.ok(paths.includes(path), `routes: ${paths}`);
  }
});

test('GET /blocks/head: the finalized head, with its timestamp inherent', async () => {
  const head = await ok('/blocks/head');
  assert.match(head.hash, /^0x[0-9a-f]{64}$/);
  assert.ok(Number(head.number) >= 1, `number ${head.number}`);
  assert.equal(head.hash, (await api.rpc.chain.getBlockHash(Number(head.number))).toHex());
  const finalized = (await api.rpc.chain.getHeader(await api.rpc.chain.getFinalizedHead())).number.toNumber();
  assert.ok(Number(head.number) <= finalized, `head ${head.number}, finalized ${finalized}`);
  const methods = head.extrinsics.map((x) => `${x.method.pallet}.${x.method.method}`);
  assert.ok(methods.includes('timestamp.set'), `extrinsics: ${methods}`);
  assert.ok(head.extrinsics.every((x) => x.success), `extrinsics: ${JSON.stringify(head.extrinsics).slice(0, 1000)}`);
  const best = await ok('/blocks/head?finalized=false');
  assert.ok(Number(best.number) >= Number(head.number), `best ${best.number}, finalized ${head.number}`);
});

test('GET /accounts/{alice}/balance-info: her free balance and nonce', async () => {
  const info = await ok(`/accounts/${alice.address}/balance-info`);
  const account = await (await api.at(info.at.hash)).query.system.account(alice.address);
  assert.equal(info.free, account.data.free.toString());
  assert.equal(info.reserved, account.data.reserved.toString());
  assert.equal(info.frozen, account.data.frozen.toString());
  assert.equal(info.nonce, account.nonce.toString());
  assert.ok(Array.isArray(info.locks), `locks: ${JSON.stringify(info.locks)}`);
  assert.ok(BigInt(info.free) > 0n);
});

test('GET /node/network: roles, health, peers', async () => {
  const network = await ok('/node/network');
  // A --dev node has no network key and no peer-to-peer port: its peer id is empty and it
  // listens nowhere (a networked node's is `12D3KooW...`, see rpc/src/api.rs NetworkInfo).
  assert.equal(typeof network.localPeerId, 'string', JSON.stringify(network));
  assert.ok(Array.isArray(network.nodeRoles) && network.nodeRoles.length > 0, JSON.stringify(network));
  assert.equal(network.isSyncing, false, JSON.stringify(network));
  assert.equal(String(network.numPeers), '0', JSON.stringify(network));
  assert.ok(Array.isArray(network.localListenAddresses), JSON.stringify(network));
  assert.ok(Array.isArray(network.peersInfo), `system_peers answered: ${JSON.stringify(network.peersInfo)}`);
});

test('GET /transaction/material: genesis, spec and transaction versions', async () => {
  const material = await ok('/transaction/material');
  const version = await api.rpc.state.getRuntimeVersion();
  assert.equal(material.genesisHash, api.genesisHash.toHex());
  assert.equal(material.chainName, (await api.rpc.system.chain()).toString());
  assert.equal(material.specName, 'accord');
  assert.equal(String(material.specVersion), version.specVersion.toString());
  assert.equal(String(material.txVersion), version.transactionVersion.toString());
  const withMetadata = await ok('/transaction/material?metadata=scale');
  assert.match(withMetadata.metadata, /^0x6d657461/, 'SCALE metadata with the "meta" prefix');
});

test('POST /transaction/fee-estimate: a signed transfer has a fee and a weight', async () => {
  const estimate = await ok('/transaction/fee-estimate', { tx: await signedTransfer() });
  assert.ok(BigInt(estimate.partialFee) > 0n, `estimate: ${JSON.stringify(estimate)}`);
  assert.ok(BigInt(estimate.weight.refTime ?? estimate.weight.ref_time) > 0n, `estimate: ${JSON.stringify(estimate)}`);
  assert.equal(estimate.class, 'Normal');
});

test('POST /transaction/dry-run: a signed transfer would dispatch', async () => {
  const dry = await ok('/transaction/dry-run', { tx: await signedTransfer() });
  assert.equal(dry.dryRunResult.resultType, 'DispatchOutcome', JSON.stringify(dry));
  assert.ok(dry.at.hash, JSON.stringify(dry));
  // A transaction that cannot pay: Alice sending more than she has fails in dispatch.
  const tooMuch = api.tx.balances.transferKeepAlive(bob.address, 10n ** 30n);
  await tooMuch.signAsync(alice);
  const failed = await ok('/transaction/dry-run', { tx: tooMuch.toHex() });
  assert.equal(failed.dryRunResult.resultType, 'DispatchOutcome', JSON.stringify(failed));
  assert.ok(failed.dryRunResult.result.err ?? failed.dryRunResult.result.Err, `a dispatch error: ${JSON.stringify(failed)}`);
});

test('POST /transaction: a signed transfer submitted through Sidecar lands', async () => {
  const before = (await api.query.system.account(bob.address)).data.free.toBigInt();
  const submitted = await ok('/transaction', { tx: await signedTransfer() });
  assert.match(submitted.hash, /^0x[0-9a-f]{64}$/, JSON.stringify(submitted));
  let now = before;
  for (let waited = 0; now === before; waited += 250) {
    assert.ok(waited < 60_000, 'the transfer did not land in 60 s');
    await new Promise((r) => setTimeout(r, 250));
    now = (await api.query.system.account(bob.address)).data.free.toBigInt();
  }
  assert.equal(now - before, 10n ** 12n);
});
