// Gray releases of a contract on a real accord-node (--dev): pallets/evm/solidity/examples/Tally.sol,
// version 1 deployed by ethers.js and made a contract target by polkadot.js, version 2 deployed
// while the chain runs. Users call the alias with ethers.js; every stage is a passed governance
// proposal; the cohort's pre-release tests go through polkadot.js (`Releases.as_class` around
// `Evm.call`). The served version is read from the `Executed` event (decoded from metadata) and
// from the `VersionServed` log in the Ethereum receipt.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ApiPromise, WsProvider } from '@polkadot/api';
import { Keyring } from '@polkadot/keyring';
import { rpc, types } from '@accord/rpc-definitions';
import { Contract, ContractFactory, HDNodeWallet, Interface, JsonRpcProvider, NonceManager, toBeHex, zeroPadValue } from 'ethers';
import { startNode } from './node.mjs';
import { compileFile } from './solc.mjs';
import { send as sendWith, find, govern as governWith } from './tx.mjs';

const PHRASE = 'test test test test test test test test test test test junk';
const RELEASES_LOG = '0x0000000000000000000000000000000000000801';
const SERVED = new Interface(['event VersionServed(address indexed alias, uint32 release, uint16 version, address code)']);
const TALLY = new URL('../../pallets/evm/solidity/examples/Tally.sol', import.meta.url);
const id = (n) => zeroPadValue(toBeHex(n), 32);

let node;
let api;
let provider;
let signer;
let alice;
let bob;
let v1;
let v2;
let alias;
let tally;

const send = (tx, who) => sendWith(api, tx, who);
const govern = (call) => governWith(api, call, alice);

before(async () => {
  node = await startNode(['--block-time-ms', '300']);
  provider = new JsonRpcProvider(node.httpUrl, undefined, { staticNetwork: true, batchMaxCount: 1, polling: false });
  provider.pollingInterval = 100;
  signer = new NonceManager(HDNodeWallet.fromPhrase(PHRASE, undefined, "m/44'/60'/0'/0/3").connect(provider));
  api = await ApiPromise.create({ provider: new WsProvider(node.wsUrl), noInitWarn: true, throwOnConnect: true, rpc, types });
  const keyring = new Keyring({ type: 'sr25519' });
  alice = keyring.addFromUri('//Alice');
  bob = keyring.addFromUri('//Bob');
});

after(async () => {
  provider?.destroy();
  await api?.disconnect();
  await node?.stop();
});

async function deploy(name) {
  const artifact = compileFile(TALLY, name);
  const contract = await new ContractFactory(artifact.abi, artifact.bytecode, signer).deploy();
  await contract.waitForDeployment();
  return { address: (await contract.getAddress()).toLowerCase(), abi: artifact.abi };
}

/** The `VersionServed` logs of a receipt: [release, version, code]. */
function servedLogs(receipt) {
  return receipt.logs
    .filter((l) => l.address.toLowerCase() === RELEASES_LOG)
    .map((l) => SERVED.parseLog(l))
    .map((p) => [p.args.alias.toLowerCase(), Number(p.args.release), Number(p.args.version), p.args.code.toLowerCase()]);
}

/** Bumps `n` through the alias with ethers.js; the receipt (status 0 if it reverted). */
async function bump(n) {
  const sent = await tally.bump(id(n), { gasLimit: 200_000 });
  return provider.waitForTransaction(sent.hash);
}

const route = async (n, cls = 'production') => (await api.rpc.releases.route(alias, cls, id(n))).toJSON();

test('a deployed contract becomes a contract target: users call its alias, version 1 serves', async () => {
  v1 = await deploy('TallyV1');
  const events = await send(api.tx.releases.createContractTarget(v1.address, { Argument: { index: 0 } }, null), alice);
  const created = find(events, api.events.releases.ContractTargetCreated);
  alias = created.data.alias.toHex();
  assert.equal(created.data.code.toHex(), v1.address);
  assert.equal(await provider.getCode(alias), `0xef0100${v1.address.slice(2)}`, 'an EIP-7702 designator');
  tally = new Contract(alias, v1.abi, signer);
  const receipt = await bump(4);
  assert.equal(receipt.status, 1);
  assert.deepEqual(servedLogs(receipt), [[alias, 0, 1, v1.address]]);
  assert.equal(await tally.count(id(4)), 1n, 'eth_call through the alias');
  // The data lives at the alias, not in the version's own storage.
  assert.equal(await new Contract(v1.address, v1.abi, provider).count(id(4)), 0n);
  assert.deepEqual(await route(4), { version: 1, release: null, stage: null, shareBp: null, bucket: null, code: v1.address });
});

test('version 2 deployed while the chain runs serves the pre-release cohort; production stays on 1', async () => {
  v2 = await deploy('TallyV2');
  const added = find(await send(api.tx.releases.addContractVersion(alias, v2.address), alice), api.events.releases.ContractVersionAdded);
  assert.equal(added.data.version.toNumber(), 2);
  const opened = await govern(api.tx.releases.openRelease({ Contract: alias }, 2, [bob.address]));
  assert.equal(find(opened, api.events.releases.ReleaseOpened).data.release.toNumber(), 1);

  const input = tally.interface.encodeFunctionData('bump', [id(6)]);
  const test = api.tx.releases.asClass('PreReleaseTest', api.tx.evm.call(alias, input, 0, 200_000));
  const executed = find(await send(test, bob), api.events.evm.Executed);
  assert.ok(executed.data.exit.isSucceeded, executed.data.exit.toString());
  const served = executed.data.served.unwrap();
  assert.deepEqual([served.release.toNumber(), served.version.toNumber(), served.code.toHex()], [1, 2, v2.address]);
  assert.equal(await tally.count(id(6)), 10n, 'version 2 adds 10, in the same data set');

  const receipt = await bump(6);
  assert.deepEqual(servedLogs(receipt), [[alias, 1, 1, v1.address]], 'production: version 1');
  assert.equal(await tally.count(id(6)), 11n);
  await assert.rejects(send(test, alice), /transaction Invalid|1010|cohort/i, 'outside the cohort: refused');
});

test('a 20% gray share holds over 2,000 data ids, each id on one version; a rollback is one step', async () => {
  await govern(api.tx.releases.startGray(1, 2000));
  const answers = [];
  for (let n = 0; n < 2000; n++) answers.push(await route(n));
  const onNew = answers.filter((a) => a.version === 2).length;
  assert.ok(onNew >= 340 && onNew <= 460, `20% of 2,000 within 3 points: ${onNew}`);
  assert.ok(answers.every((a) => a.stage === 'Gray' && a.shareBp === 2000 && (a.version === 2) === (a.bucket < 2000)));
  // Even ids (version 2 refuses odd ones): two on each version, each sent twice.
  const even = [...answers.keys()].filter((n) => n % 2 === 0);
  const picked = [...even.filter((n) => answers[n].version === 2).slice(0, 2), ...even.filter((n) => answers[n].version === 1).slice(0, 2)];
  for (const n of [...picked, ...picked]) {
    const receipt = await bump(n);
    assert.equal(receipt.status, 1);
    const [[, release, version, code]] = servedLogs(receipt);
    assert.deepEqual([release, version, code], [1, answers[n].version, answers[n].version === 2 ? v2.address : v1.address], `id ${n}`);
  }
  assert.equal(await tally.count(id(picked[0])), 20n, 'twice on version 2');
  assert.equal(await tally.count(id(picked[2])), 2n, 'twice on version 1');

  await govern(api.tx.releases.rollback(1));
  for (const n of picked) assert.equal((await route(n)).version, 1, `id ${n} back on version 1`);
  assert.deepEqual(servedLogs(await bump(picked[0])), [[alias, 0, 1, v1.address]]);
  assert.equal(await provider.getCode(alias), `0xef0100${v1.address.slice(2)}`);
});

test('a gray release whose version reverts too often rolls back by itself', async () => {
  await govern(api.tx.releases.setHealthRules({ window: 100, maxFailureBp: 2000, minSample: 5 }));
  const opened = await govern(api.tx.releases.openRelease({ Contract: alias }, 2, [bob.address]));
  const release = find(opened, api.events.releases.ReleaseOpened).data.release.toNumber();
  await govern(api.tx.releases.startGray(release, 10_000));
  const receipts = [];
  for (let n = 1; n <= 9; n += 2) receipts.push(await bump(n));
  assert.deepEqual(receipts.map((r) => r.status), [0, 0, 0, 0, 0], 'odd ids revert on version 2');
  const stored = (await api.query.releases.releases(release)).unwrap();
  assert.ok(stored.stage.isRolledBack && stored.stage.asRolledBack.automatic.isTrue, stored.stage.toString());
  assert.equal((await route(1)).version, 1);
  const receipt = await bump(1);
  assert.equal(receipt.status, 1, 'version 1 serves odd ids again');
  assert.deepEqual(servedLogs(receipt), [[alias, 0, 1, v1.address]]);
});
