// The operation log's worked example (accounts C=500 and D=100, two transfers) as a Solidity
// contract: pallets/evm/solidity/examples/Ledger.sol, which appends its entries through the Oplog
// precompile (pallets/evm/solidity/IOplog.sol), compiled by the npm `solc` package, deployed and
// driven by ethers.js on a real accord-node (--dev). polkadot.js reads the entries from storage,
// decoded from metadata, with the contract as their origin; accord-offchain applies them to a
// SQLite file and to a real PostgreSQL server exactly once while it is killed with SIGKILL.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiPromise, WsProvider } from '@polkadot/api';
import { rpc, types } from '@accord/rpc-definitions';
import { ContractFactory, HDNodeWallet, Interface, JsonRpcProvider, NonceManager, encodeBytes32String, toBeHex, zeroPadValue } from 'ethers';
import { offchainBinary, startNode } from './node.mjs';
import { compileFile } from './solc.mjs';
import { startPostgres } from './postgres.mjs';

const PHRASE = 'test test test test test test test test test test test junk';
const OPLOG = '0x0000000000000000000000000000000000000800';
const APPENDED = new Interface([
  'event Appended(address indexed origin, uint8 opType, uint16 code, bytes dataId, bytes sourceState, bytes resultState)',
]);
const C = encodeBytes32String('C');
const D = encodeBytes32String('D');
const word = (n) => zeroPadValue(toBeHex(n), 32);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

let node;
let api;
let provider;
let signer;
let ledger;
let ledgerAddress;
let pg;
let dir;

before(async () => {
  const artifact = compileFile(new URL('../../pallets/evm/solidity/examples/Ledger.sol', import.meta.url), 'Ledger');
  dir = mkdtempSync(join(tmpdir(), 'accord-e2e-oplog-contract-'));
  node = await startNode(['--block-time-ms', '300']);
  provider = new JsonRpcProvider(node.httpUrl, undefined, { staticNetwork: true, batchMaxCount: 1, polling: false });
  provider.pollingInterval = 100;
  // Nonces counted here: the sends follow each other faster than a provider's cache of
  // eth_getTransactionCount('pending') expires.
  signer = new NonceManager(HDNodeWallet.fromPhrase(PHRASE, undefined, "m/44'/60'/0'/0/2").connect(provider));
  api = await ApiPromise.create({ provider: new WsProvider(node.wsUrl), noInitWarn: true, throwOnConnect: true, rpc, types });
  pg = await startPostgres();
  ledger = await new ContractFactory(artifact.abi, artifact.bytecode, signer).deploy();
  await ledger.waitForDeployment();
  ledgerAddress = (await ledger.getAddress()).toLowerCase();
});

after(async () => {
  provider?.destroy();
  await api?.disconnect();
  await node?.stop();
  pg?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Resolves once block `number` is final (the oplog RPC serves final blocks' entries). */
async function finalized(number) {
  for (let i = 0; i < 100; i++) {
    if ((await api.rpc.oplog.head()).finalizedBlock.toNumber() >= number) return;
    await sleep(100);
  }
  throw new Error(`block ${number} not final in 10 s`);
}

/** The Ledger's entries (origin: its address) from `from` on, through polkadot.js. */
async function ledgerEntries(from = 0) {
  return api.rpc.oplog.getLogs(from, 1000, { origin: ledgerAddress });
}

test('ethers.js runs the worked example; each balance change is an entry of the contract', async () => {
  const start = (await api.rpc.oplog.head()).nextIndex.toNumber();
  await (await ledger.open(C, 500)).wait();
  await (await ledger.open(D, 100)).wait();
  const first = await (await ledger.transfer(C, D, 100)).wait();
  const second = await (await ledger.transfer(C, D, 50)).wait();
  await finalized(second.blockNumber);
  // The receipt carries the precompile's Appended logs: C 500 -> 400, then D 100 -> 200.
  const appended = first.logs.filter((l) => l.address.toLowerCase() === OPLOG).map((l) => APPENDED.parseLog(l));
  assert.deepEqual(
    appended.map((a) => [a.args.origin.toLowerCase(), a.args.dataId, a.args.sourceState, a.args.resultState, Number(a.args.opType)]),
    [
      [ledgerAddress, C, word(500), word(400), 1],
      [ledgerAddress, D, word(100), word(200), 1],
    ],
  );
  const entries = await ledgerEntries(start);
  const ofD = entries.filter((e) => e.dataId.toHex() === D);
  assert.deepEqual(
    ofD.map((e) => [e.opType.toString(), e.sourceState.toHex(), e.resultState.toHex()]),
    [['Create', '0x', word(100)], ['Update', word(100), word(200)], ['Update', word(200), word(250)]],
    "D's entries: opened with 100, then 100 -> 200 -> 250",
  );
  assert.equal(entries.length, 6, 'two openings and two entries per transfer, nothing else under its origin');
  assert.ok(entries.every((e) => e.origin.toString() === ledgerAddress));
  // A transfer that reverts appends nothing.
  const head = (await api.rpc.oplog.head()).nextIndex.toNumber();
  const refused = await ledger.transfer(C, D, 1000, { gasLimit: 300_000 });
  await assert.rejects(refused.wait(), (e) => e.code === 'CALL_EXCEPTION');
  await finalized(await provider.getBlockNumber());
  assert.equal((await ledgerEntries(head)).length, 0, 'the reverted transfer left no entry');
});

test("polkadot.js decodes the contract's entries from storage, origin and operator included", async () => {
  const [entry] = await ledgerEntries();
  const stored = await api.query.oplog.entries(entry.index.toNumber());
  assert.ok(stored.isSome, 'Oplog.Entries holds it');
  const value = stored.unwrap();
  assert.ok(value.origin.isContract, `origin ${value.origin.toString()}`);
  assert.equal(value.origin.asContract.toHex(), ledgerAddress);
  assert.equal(value.opType.toString(), 'Create');
  // The operator is the Ethereum signer's native account: its address ++ 0xEE × 12.
  const operator = `${(await signer.getAddress()).toLowerCase()}${'ee'.repeat(12)}`;
  assert.equal(value.operator.toHex(), operator);
});

function consumerConfig(name, database) {
  const path = join(dir, `${name}.toml`);
  writeFileSync(
    path,
    `node_url = "${node.httpUrl}"\nmode = "subscribe"\nqueue_capacity = 4\nbatch_size = 7\ndatabase = "${database}"\n` +
      `[[subscriptions]]\nname = "ledger"\norigin = "${ledgerAddress}"\n`,
  );
  return path;
}

function startConsumer(config) {
  return spawn(offchainBinary(), ['--config', config], { stdio: 'ignore' });
}

async function kill(child) {
  child.kill('SIGKILL');
  await new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r() : child.on('exit', r)));
}

test("accord-offchain applies the contract's entries to SQLite and PostgreSQL exactly once through kill -9", async () => {
  const sqlite = join(dir, 'ledger.db');
  pg.createDatabase('ledger');
  const views = {
    sqlite: (sql) => execFileSync('sqlite3', ['-readonly', sqlite, sql]).toString().trim(),
    postgres: (sql) => pg.query('ledger', sql),
  };
  const configs = { sqlite: consumerConfig('sqlite', `sqlite://${sqlite}`), postgres: consumerConfig('pg', pg.url('ledger')) };
  const consumers = Object.fromEntries(Object.entries(configs).map(([k, c]) => [k, startConsumer(c)]));
  // Forty transfers back and forth, in flight while each consumer is killed four times.
  const sent = [];
  for (let i = 0; i < 40; i++) {
    const [from, to] = i % 2 ? [D, C] : [C, D];
    sent.push(await ledger.transfer(from, to, 1 + (i % 5), { gasLimit: 300_000 }));
    if (i % 10 === 9) {
      for (const kind of Object.keys(consumers)) {
        await kill(consumers[kind]);
        await sleep(50 + Math.floor(Math.random() * 300));
        consumers[kind] = startConsumer(configs[kind]);
      }
    }
  }
  let last = 0;
  for (const tx of sent) {
    const receipt = await tx.wait();
    assert.equal(receipt.status, 1);
    last = Math.max(last, receipt.blockNumber);
  }
  await finalized(last);
  const head = (await api.rpc.oplog.head()).nextIndex.toNumber();
  const cursor = { sqlite: 'SELECT next_index FROM accord_cursor', postgres: 'SELECT next_index FROM accord_cursor' };
  try {
    for (const kind of Object.keys(views)) {
      for (let i = 0; i < 300; i++) {
        let at = 0;
        try {
          at = Number(views[kind](cursor[kind]));
        } catch {
          // Not created yet.
        }
        if (at >= head) break;
        await sleep(100);
      }
    }
  } finally {
    for (const child of Object.values(consumers)) await kill(child);
  }
  const expected = (await ledgerEntries()).map((e) => e.index.toNumber());
  assert.equal(expected.length, 6 + 80);
  const balanceOfD = word(await ledger.balanceOf(D));
  for (const [kind, view] of Object.entries(views)) {
    assert.ok(Number(view(cursor[kind])) >= head, `${kind}: the consumer caught up`);
    const indices = view("SELECT log_index FROM accord_history WHERE subscription = 'ledger' ORDER BY log_index")
      .split('\n')
      .map(Number);
    assert.deepEqual(indices, expected, `${kind}: every entry of the contract exactly once, in order`);
    assert.equal(view('SELECT COUNT(*) FROM accord_breaks'), '0', `${kind}: the states are continuous`);
    const stateOfD =
      kind === 'sqlite'
        ? view(`SELECT lower(hex(state)) FROM accord_state WHERE subscription = 'ledger' AND data_id = x'${D.slice(2)}'`)
        : view(`SELECT encode(state, 'hex') FROM accord_state WHERE subscription = 'ledger' AND data_id = '\\x${D.slice(2)}'::bytea`);
    assert.equal(`0x${stateOfD}`, balanceOfD, `${kind}: D's row holds its balance in the contract`);
  }
});
