// The sub-chain status workers with real processes: a main chain (--dev) and two sub-chains
// with their own genesis — "ledger", a BFT chain of one validator and a full node, and
// "trade", a single-authority chain — an `accord-offchain status-reporter` per sub-chain
// (the development organization's monitoring accounts) and an `accord-offchain
// status-verifier` of another organization (Beta) reading ledger from its own full node.
// Transactions on ledger reach the main chain's status within two reporting intervals; a
// reporter made to lie is disputed by the verifier and the dispute upheld by governance; a
// stopped reporter makes its sub-chain stale and a restarted one clears the flag. A contract
// deployed on ledger with ethers.js is announced on the main chain with its code hash; a
// reporter made to forge code hashes is disputed by the verifier, and governance upholds it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiPromise, WsProvider } from '@polkadot/api';
import { Keyring } from '@polkadot/keyring';
import { ContractFactory, HDNodeWallet, JsonRpcProvider, NonceManager, keccak256 } from 'ethers';
import { buildSpec, freePort, offchainBinary, spawnNode, startNetwork, startNode } from './node.mjs';
import { compileFile } from './solc.mjs';
import { send as sendWith, find } from './tx.mjs';

const INTERVAL = 10; // main-chain blocks between reports (500 ms blocks)
const GRACE = 2; // stale after INTERVAL × GRACE blocks without a report
const TOLERANCE = { orgs: 0, nodes: 0, txCount: 5, tpsMilli: 1_000_000, contracts: 0 };

let dir;
let main;
let ledger;
let trade;
let api;
let ledgerApi;
let alice;
let beta;
let gamma;
let verifierMetrics;
const workers = new Set();

const send = (tx, signer, on = api) => sendWith(on, tx, signer);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const connect = (url) => ApiPromise.create({ provider: new WsProvider(url), noInitWarn: true, throwOnConnect: true });

// Polls `check` every 250 ms until it returns a truthy value; fails after `seconds`.
async function until(what, seconds, check) {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${seconds} s`);
    await sleep(250);
  }
}

// Starts `accord-offchain <kind> --config` with `config` (TOML lines); `stop()` sends SIGTERM
// and resolves with the exit code; `log()` is what it printed.
function startWorker(name, kind, config) {
  const path = join(dir, `${name}.toml`);
  writeFileSync(path, Object.entries(config).map(([k, v]) => `${k} = ${JSON.stringify(v)}`).join('\n') + '\n');
  const child = spawn(offchainBinary(), [kind, '--config', path], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr.on('data', (chunk) => {
    log += chunk.toString();
    if (process.env.ACCORD_TEST_NODE_LOG) process.stderr.write(chunk);
  });
  const worker = {
    log: () => log,
    async stop() {
      workers.delete(worker);
      if (child.exitCode === null) child.kill('SIGTERM');
      return new Promise((r) => (child.exitCode !== null ? r(child.exitCode) : child.on('exit', (code) => r(code))));
    },
  };
  workers.add(worker);
  return worker;
}

const reporter = (name, subchain, subUrl, key, extra = {}) =>
  startWorker(name, 'status-reporter', { main_url: main.httpUrl, sub_url: subUrl, subchain, signing_key: key, poll_ms: 300, ...extra });

const latest = async (id) => {
  const sc = (await api.query.subchainStatus.subchains(id)).unwrap();
  const report = await api.query.subchainStatus.reports(id, sc.lastSeq);
  return { sc, report: report.isSome ? report.unwrap() : null };
};

const metric = async (port, name) => {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line ? Number(line.split(' ')[1]) : NaN;
};

let reporterLedger;
let reporterTrade;
let verifier;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'accord-e2e-workers-'));
  // Two sub-chains with their own genesis: a BFT spec of one validator, and the dev
  // runtime with one funded account more (a different genesis state).
  const ledgerSpec = await buildSpec(['--chain', 'dev', '--validators', '1']);
  ledgerSpec.name = 'Ledger';
  ledgerSpec.id = 'ledger';
  ledgerSpec.consensus.blockTimeMs = 400;
  writeFileSync(join(dir, 'ledger.json'), JSON.stringify(ledgerSpec));
  const tradeSpec = await buildSpec(['--chain', 'dev', '--funded-accounts', '1']);
  tradeSpec.name = 'Trade';
  tradeSpec.id = 'trade';
  writeFileSync(join(dir, 'trade.json'), JSON.stringify(tradeSpec));

  [main, ledger, trade] = await Promise.all([
    startNode(['--block-time-ms', '500']),
    startNetwork({ chain: join(dir, 'ledger.json'), count: 1 }),
    spawnNode(['--chain', join(dir, 'trade.json'), '--base-path', join(dir, 'trade'), '--block-time-ms', '500']),
  ]);
  api = await connect(main.wsUrl);
  ledgerApi = await connect(ledger.validatorWsUrl);
  const keyring = new Keyring({ type: 'sr25519' });
  alice = keyring.addFromUri('//Alice');
  beta = keyring.addFromUri('//GovBeta');
  gamma = keyring.addFromUri('//GovGamma');
});

after(async () => {
  for (const w of [...workers]) await w.stop();
  await api?.disconnect();
  await ledgerApi?.disconnect();
  await Promise.all([main?.stop(), ledger?.stop(), trade?.stop()]);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('setup: three organizations, two sub-chains registered with their genesis, monitoring accounts', async () => {
  const credentials = { accessKeyHash: null, tokenHash: null, tls: null };
  for (const [name, pair] of [['Beta', beta], ['Gamma', gamma]]) {
    await send(api.tx.balances.transferKeepAlive(pair.address, 10n ** 15n), alice);
    await send(api.tx.sudo.sudo(api.tx.organizations.registerOrg(name, 'OnCloud', [pair.address], credentials)), alice);
  }
  const ledgerGenesis = (await ledgerApi.rpc.chain.getBlockHash(0)).toHex();
  const tradeApi = await connect(trade.wsUrl);
  const tradeGenesis = (await tradeApi.rpc.chain.getBlockHash(0)).toHex();
  await tradeApi.disconnect();
  const mainGenesis = api.genesisHash.toHex();
  assert.equal(new Set([ledgerGenesis, tradeGenesis, mainGenesis]).size, 3, 'three chains, three genesis hashes');
  for (const [name, genesis, orgs] of [['ledger', ledgerGenesis, [1, 2]], ['trade', tradeGenesis, [1, 3]]]) {
    const call = api.tx.subchainStatus.registerSubchain(name, genesis, orgs, INTERVAL, GRACE, TOLERANCE);
    assert.ok(find(await send(api.tx.sudo.sudo(call), alice), api.events.subchainStatus.SubchainRegistered));
  }
  const bob = new Keyring({ type: 'sr25519' }).addFromUri('//Bob');
  const charlie = new Keyring({ type: 'sr25519' }).addFromUri('//Charlie');
  await send(api.tx.subchainStatus.addMonitor(1, 1, bob.address), alice);
  await send(api.tx.subchainStatus.addMonitor(2, 1, charlie.address), alice);
  await send(api.tx.subchainStatus.addMonitor(1, 2, beta.address), beta);
});

test('a reporter with a sub-chain node of another genesis stops with a clear error', async () => {
  // Ledger's reporter pointed at trade's node.
  const misplaced = reporter('misplaced', 1, trade.httpUrl, '//Bob');
  await until('the misconfigured reporter says why', 30, async () => misplaced.log().includes('registered with genesis'));
  assert.equal(await misplaced.stop(), 1);
  assert.equal((await api.query.subchainStatus.subchains(1)).unwrap().lastSeq.toNumber(), 0, 'nothing reported');
});

test('transactions on a sub-chain show up in the main chain status within two reporting intervals', async (t) => {
  reporterLedger = reporter('ledger', 1, ledger.validatorHttpUrl, '//Bob');
  reporterTrade = reporter('trade', 2, trade.httpUrl, '//Charlie');
  const port = await freePort();
  verifierMetrics = port;
  verifier = startWorker('verifier', 'status-verifier', {
    main_url: main.httpUrl, sub_url: ledger.httpUrl, subchain: 1, signing_key: '//GovBeta', poll_ms: 300, metrics_port: port,
  });
  const first = await until('first reports of both sub-chains', 60, async () => {
    const [a, b] = [await latest(1), await latest(2)];
    return a.report && b.report ? [a, b] : null;
  });
  for (const { report } of first) {
    assert.equal(report.org.toNumber(), 1);
    assert.equal(report.status.orgs.toNumber(), 1, 'the sub-chains have the development organization');
    assert.equal(report.status.nodes.toNumber(), 1);
    assert.equal(report.status.contracts.toNumber(), 2, 'no contracts yet, and the two shipped versions of Records');
  }
  const before = first[0].report.status.txCount.toNumber();

  const ferdie = new Keyring({ type: 'sr25519' }).addFromUri('//Ferdie');
  // Explicit nonces: right after `inBlock` (notarized, not yet committed) the nonce
  // polkadot.js reads can still be the old one on this BFT chain.
  const nonce = (await ledgerApi.rpc.system.accountNextIndex(alice.address)).toNumber();
  for (let i = 0; i < 6; i++) {
    const tx = ledgerApi.tx.balances.transferKeepAlive(ferdie.address, 10n ** 12n);
    await new Promise((resolve, reject) => {
      tx.signAndSend(alice, { nonce: nonce + i }, (result) => {
        if (result.status.isInBlock || result.status.isFinalized) resolve();
        if (result.status.isInvalid || result.status.isDropped) reject(new Error(`transaction ${result.status.type}`));
      }).catch(reject);
    });
  }
  const sentAt = (await api.rpc.chain.getHeader()).number.toNumber();
  const seen = await until('the transfers in the main chain status', 60, async () => {
    const { report } = await latest(1);
    return report.status.txCount.toNumber() >= before + 6 ? report : null;
  });
  const blocks = seen.at.toNumber() - sentAt;
  assert.ok(blocks <= 2 * INTERVAL, `reported ${blocks} main-chain blocks after the transfers (at most ${2 * INTERVAL})`);
  t.diagnostic(`transfers reported ${blocks} main-chain blocks after the last was in a ledger block`);
  assert.ok(seen.status.tpsMilli.toNumber() > 0, 'a TPS over the window');
  const ledgerHeader = await ledgerApi.rpc.chain.getHeader(seen.status.blockHash);
  assert.equal(ledgerHeader.number.toNumber(), seen.status.height.toNumber(), 'pinned to a real ledger block');
  assert.equal(ledgerHeader.stateRoot.toHex(), seen.status.stateRoot.toHex());

  // The verifier checked the honest reports and disputed none.
  await until('the verifier checks the reports', 30, async () => (await metric(port, 'accord_status_verifier_checked_total')) >= 2);
  assert.equal(await metric(port, 'accord_status_verifier_disputes_total'), 0);
  assert.equal((await api.query.subchainStatus.lastDispute()).toNumber(), 0);
});

test('a lying reporter is disputed by the verifier and the dispute upheld through governance', async () => {
  assert.equal(await reporterLedger.stop(), 0, 'a reporter stops cleanly on SIGTERM');
  const liar = reporter('liar', 1, ledger.validatorHttpUrl, '//Bob', { inflate_tx_count: 1000 });
  const id = await until('the verifier disputes the inflated report', 60, async () => {
    const last = (await api.query.subchainStatus.lastDispute()).toNumber();
    return last > 0 ? last : null;
  });
  await liar.stop();
  reporterLedger = reporter('ledger-again', 1, ledger.validatorHttpUrl, '//Bob');
  const dispute = (await api.query.subchainStatus.disputes(id)).unwrap();
  assert.equal(dispute.org.toNumber(), 2, 'disputed by Beta');
  assert.deepEqual(dispute.beyond.toJSON(), ['TxCount']);
  // Two member organizations: no confirming majority of the non-accused is possible, so the
  // dispute goes straight to governance.
  assert.ok(dispute.status.isEscalated, `escalated, got ${dispute.status.type}`);
  const lie = (await api.query.subchainStatus.reports(1, dispute.seq)).unwrap();
  assert.equal(lie.status.txCount.toNumber() - dispute.observed.txCount.toNumber(), 1000);
  assert.equal(lie.status.height.toNumber(), dispute.observed.height.toNumber());

  const resolve = api.tx.subchainStatus.resolve(id, true);
  const proposed = find(await send(api.tx.governance.propose(1, resolve), alice), api.events.governance.Proposed);
  const proposal = proposed.data.proposal.toNumber();
  await send(api.tx.governance.vote(proposal, 1, 'Aye'), alice);
  assert.ok(find(await send(api.tx.governance.vote(proposal, 2, 'Aye'), beta), api.events.governance.Passed));
  const executed = await send(api.tx.governance.execute(proposal, resolve), alice);
  const closed = find(executed, api.events.subchainStatus.DisputeClosed);
  assert.equal(closed.data.status.type, 'Upheld');
  assert.ok((await api.query.subchainStatus.reports(1, dispute.seq)).unwrap().falseReport.isTrue);
  assert.equal((await api.query.subchainStatus.flags([1, 1])).toNumber(), 1, 'the reporting organization flagged');

  // The honest reporter, restarted, reports the true count again.
  await until('an honest report after the lie', 60, async () => {
    const { report } = await latest(1);
    return report.status.txCount.toNumber() < lie.status.txCount.toNumber() ? report : null;
  });
});

test('a contract deployed on a sub-chain is announced on the main chain; a forged one is disputed', async () => {
  const provider = new JsonRpcProvider(ledger.validatorHttpUrl, undefined, { staticNetwork: true, batchMaxCount: 1, polling: false });
  provider.pollingInterval = 100;
  const phrase = 'test test test test test test test test test test test junk';
  const wallet = new NonceManager(HDNodeWallet.fromPhrase(phrase, undefined, "m/44'/60'/0'/0/5").connect(provider));
  const tally = compileFile(new URL('../../pallets/evm/solidity/examples/Tally.sol', import.meta.url), 'TallyV1');
  const deploy = async () => {
    const contract = await new ContractFactory(tally.abi, tally.bytecode, wallet).deploy();
    await contract.waitForDeployment();
    const address = (await contract.getAddress()).toLowerCase();
    return { address, codeHash: keccak256(await provider.getCode(address)) };
  };
  const announcement = async (address) => {
    const a = await api.query.subchainStatus.contracts(1, address);
    return a.isSome ? a.unwrap() : null;
  };
  try {
    const first = await deploy();
    const announced = await until('the contract announced on the main chain', 60, async () => {
      const a = await announcement(first.address);
      return a?.codeHash.toHex() === first.codeHash ? a : null;
    });
    assert.equal(announced.org.toNumber(), 1);
    await until('the contract counted in the status', 60, async () => (await latest(1)).report.status.contracts.toNumber() === 3);
    await until('the verifier checks it', 30, async () => (await metric(verifierMetrics, 'accord_status_verifier_contracts_checked_total')) >= 1);
    assert.equal(await metric(verifierMetrics, 'accord_status_verifier_contract_disputes_total'), 0);

    // A reporter that forges code hashes: the verifier disputes, governance upholds.
    assert.equal(await reporterLedger.stop(), 0);
    const liar = reporter('forger', 1, ledger.validatorHttpUrl, '//Bob', { forge_code_hash: true });
    const second = await deploy();
    const dispute = await until('the verifier disputes the forged code', 60, async () => {
      const d = await api.query.subchainStatus.contractDisputes(1, second.address);
      return d.isSome ? d.unwrap() : null;
    });
    await liar.stop();
    assert.equal(dispute.org.toNumber(), 2, 'disputed by Beta');
    assert.ok(dispute.status.isEscalated);
    assert.equal(dispute.observed.unwrap().toHex(), second.codeHash, 'what its own node holds');
    assert.notEqual(dispute.announced.toHex(), second.codeHash);
    const resolve = api.tx.subchainStatus.resolveContract(1, second.address, true);
    const proposed = find(await send(api.tx.governance.propose(1, resolve), alice), api.events.governance.Proposed);
    const proposal = proposed.data.proposal.toNumber();
    await send(api.tx.governance.vote(proposal, 1, 'Aye'), alice);
    await send(api.tx.governance.vote(proposal, 2, 'Aye'), beta);
    const closed = find(await send(api.tx.governance.execute(proposal, resolve), alice), api.events.subchainStatus.ContractDisputeClosed);
    assert.equal(closed.data.status.type, 'Upheld');

    // The honest reporter, restarted, announces the true code.
    reporterLedger = reporter('ledger-honest', 1, ledger.validatorHttpUrl, '//Bob');
    await until('the true code announced', 60, async () => (await announcement(second.address))?.codeHash.toHex() === second.codeHash);
  } finally {
    provider.destroy();
  }
});

test('a stopped reporter makes its sub-chain stale; restarted, it clears the flag', async () => {
  await reporterTrade.stop();
  await until('trade flagged stale', 60, async () => (await api.query.subchainStatus.subchains(2)).unwrap().stale.isTrue);
  reporterTrade = reporter('trade-again', 2, trade.httpUrl, '//Charlie');
  await until('trade fresh again', 30, async () => (await api.query.subchainStatus.subchains(2)).unwrap().stale.isFalse);
  assert.ok((await api.query.subchainStatus.subchains(1)).unwrap().stale.isFalse, 'ledger kept reporting');

  // Restarts repeated no report: no two reports of a sub-chain carry the same reading.
  for (const id of [1, 2]) {
    const statuses = (await api.query.subchainStatus.reports.entries(id)).map(([, r]) => JSON.stringify(r.unwrap().status.toJSON()));
    assert.equal(new Set(statuses).size, statuses.length, `sub-chain ${id}: a report was repeated`);
  }
  assert.match(reporterTrade.log(), /status reporter for sub-chain 2/);
});
