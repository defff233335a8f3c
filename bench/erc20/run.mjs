// ERC-20 transfers per second end to end: signed Ethereum transactions sent through
// eth_sendRawTransaction to accord-node --dev and to Anvil, one load generator for both.
//
// Each run starts a fresh chain with 1 s blocks, deploys tests/hardhat/contracts/Token.sol
// from the development account 0, gives tokens to S senders, then times N transfers from the
// senders to H holders: from the first send until a block that completes the N is seen. The
// transactions are signed before the clock starts and sent in JSON-RPC batches, nonce by
// nonce across senders. Runs alternate between the two chains; the medians are printed.
//
// Usage: node run.mjs [--smoke]   (env: ERC20_TRANSFERS, ERC20_SENDERS, ERC20_HOLDERS,
// ERC20_RUNS, ACCORD_NODE_BIN; ERC20_NODE_LOG=file keeps accord-node's log: per block, its
// extrinsics and build and commit times)
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, readFileSync, openSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { Wallet, Interface, keccak256, toUtf8Bytes, getCreateAddress, HDNodeWallet } from 'ethers';
import solc from 'solc';

const smoke = process.argv.includes('--smoke');
const env = (name, fallback) => Number(process.env[name] ?? fallback);
const N = env('ERC20_TRANSFERS', smoke ? 200 : 20_000);
const S = env('ERC20_SENDERS', smoke ? 20 : 500);
const H = env('ERC20_HOLDERS', smoke ? 100 : 10_000);
const RUNS = env('ERC20_RUNS', smoke ? 1 : 3);
const BATCH = 250;
const GAS = 80_000;
const PHRASE = 'test test test test test test test test test test test junk';

const here = new URL('.', import.meta.url).pathname;
const nodeBin = process.env.ACCORD_NODE_BIN
  ?? join(process.env.CARGO_TARGET_DIR ?? join(process.env.HOME, '.cache/accord-target'), 'release', 'accord-node');
const anvilBin = join(here, 'node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil');

function compileToken() {
  const file = 'Token.sol';
  const content = readFileSync(join(here, '../../tests/hardhat/contracts', file), 'utf8');
  const input = { language: 'Solidity', sources: { [file]: { content } },
    settings: { evmVersion: 'prague', optimizer: { enabled: true, runs: 200 }, outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object'] } } } };
  const out = JSON.parse(solc.compile(JSON.stringify(input)));
  const c = out.contracts[file].Token;
  return { abi: c.abi, bytecode: `0x${c.evm.bytecode.object}` };
}

const freePort = () => new Promise((resolve, reject) => {
  const server = createServer();
  server.on('error', reject);
  server.listen(0, '127.0.0.1', () => { const { port } = server.address(); server.close(() => resolve(port)); });
});

async function rpc(url, method, params = []) {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) });
  const body = await res.json();
  if (body.error) throw new Error(`${method}: ${body.error.message}`);
  return body.result;
}

/** Sends raw transactions in batches, `parallel` batches at a time; throws on any refusal. */
async function sendAll(url, raws, parallel = 4) {
  const batches = [];
  for (let i = 0; i < raws.length; i += BATCH) batches.push(raws.slice(i, i + BATCH));
  let next = 0;
  const worker = async () => {
    while (next < batches.length) {
      const batch = batches[next++];
      const body = batch.map((raw, id) => ({ jsonrpc: '2.0', id, method: 'eth_sendRawTransaction', params: [raw] }));
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      const answers = await res.json();
      const failed = (Array.isArray(answers) ? answers : [answers]).find((a) => a.error);
      if (failed) throw new Error(`eth_sendRawTransaction: ${failed.error.message}`);
    }
  };
  await Promise.all([...Array(parallel)].map(worker));
}

/** Waits until blocks after `from` hold `count` transactions; returns when that was seen. */
async function waitIncluded(url, from, count, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  let seen = 0;
  let n = from + 1;
  while (Date.now() < deadline) {
    const block = await rpc(url, 'eth_getBlockByNumber', [`0x${n.toString(16)}`, false]);
    if (block === null) { await new Promise((r) => setTimeout(r, 20)); continue; }
    seen += block.transactions.length;
    n += 1;
    if (seen >= count) return { at: performance.now(), lastBlock: n - 1 };
  }
  throw new Error(`only ${seen} of ${count} transactions included in ${timeoutMs} ms`);
}

const senders = [...Array(S).keys()].map((i) => new Wallet(keccak256(toUtf8Bytes(`erc20-bench-sender-${i}`))));
const holders = [...Array(H).keys()].map((i) => `0x${keccak256(toUtf8Bytes(`erc20-bench-holder-${i}`)).slice(26)}`);
const deployer = HDNodeWallet.fromPhrase(PHRASE, undefined, "m/44'/60'/0'/0/0");

async function startAccord() {
  const dir = mkdtempSync(join(tmpdir(), 'accord-erc20-'));
  const spec = JSON.parse(execFileSync(nodeBin, ['build-spec', '--chain', 'dev']).toString());
  const genesis = spec.genesis.runtimeGenesis;
  // The senders' accounts (`address ++ 0xEE×12`): endowed and members of the organization.
  const accounts = senders.map((w) => `${w.address.toLowerCase()}${'ee'.repeat(12)}`);
  genesis.balances.push(...accounts.map((a) => [a, '1000000000000000000']));
  genesis.organizations[0].members.push(...accounts);
  writeFileSync(join(dir, 'spec.json'), JSON.stringify(spec));
  const port = await freePort();
  const child = spawn(nodeBin, ['--chain', join(dir, 'spec.json'), '--base-path', join(dir, 'db'), '--rpc-port', String(port), '--block-time-ms', '1000'], { stdio: ['ignore', 'ignore', process.env.ERC20_NODE_LOG ? openSync(process.env.ERC20_NODE_LOG, 'w') : 'ignore'] });
  const url = `http://127.0.0.1:${port}`;
  await ready(url, child);
  return { url, chainId: 4242, stop: () => stop(child, dir) };
}

async function startAnvil() {
  const port = await freePort();
  // No block gas limit: the run measures how many transfers Anvil executes per 1 s block.
  const child = spawn(anvilBin, ['--port', String(port), '--block-time', '1', '--disable-block-gas-limit', '--silent'], { stdio: 'ignore' });
  const url = `http://127.0.0.1:${port}`;
  await ready(url, child);
  for (const w of senders) await rpc(url, 'anvil_setBalance', [w.address, '0x3635c9adc5dea00000']);
  return { url, chainId: 31337, stop: () => stop(child) };
}

async function ready(url, child) {
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`the chain exited with ${child.exitCode}`);
    try { await rpc(url, 'eth_chainId'); return; } catch { await new Promise((r) => setTimeout(r, 100)); }
  }
  throw new Error(`${url} did not answer`);
}

async function stop(child, dir) {
  child.kill('SIGKILL');
  await new Promise((r) => (child.exitCode !== null ? r() : child.on('exit', r)));
  if (dir) rmSync(dir, { recursive: true, force: true });
}

/** The signed transactions of one chain: deployment, distribution, and the measured load. */
async function sign(chainId, token) {
  const iface = new Interface(token.abi);
  const fees = { type: 2, chainId, maxFeePerGas: 100_000_000_000n, maxPriorityFeePerGas: 1_000_000_000n };
  const address = getCreateAddress({ from: deployer.address, nonce: 0 });
  const share = (BigInt(Math.ceil(N / S)) + 1n) * 10n ** 18n;
  const deployData = token.bytecode + iface.encodeDeploy([share * BigInt(S)]).slice(2);
  const deploy = await deployer.signTransaction({ ...fees, nonce: 0, gasLimit: 3_000_000, data: deployData });
  const distribute = await Promise.all(senders.map((w, i) => deployer.signTransaction({
    ...fees, nonce: i + 1, gasLimit: GAS, to: address, data: iface.encodeFunctionData('transfer', [w.address, share]) })));
  const load = [];
  const perSender = Math.ceil(N / S);
  for (let nonce = 0; nonce < perSender && load.length < N; nonce++) {
    for (let s = 0; s < S && load.length < N; s++) {
      const to = holders[(nonce * S + s) % H];
      load.push(senders[s].signTransaction({ ...fees, nonce, gasLimit: GAS, to: address, data: iface.encodeFunctionData('transfer', [to, 10n ** 18n]) }));
    }
  }
  return { address, deploy, distribute, load: await Promise.all(load), iface };
}

async function run(start, signed) {
  const chain = await start();
  try {
    const { url } = chain;
    await sendAll(url, [signed.deploy]);
    await waitFor(async () => (await rpc(url, 'eth_getCode', [signed.address, 'latest'])) !== '0x', 'the token deployment');
    const before = Number(await rpc(url, 'eth_blockNumber'));
    await sendAll(url, signed.distribute);
    const funded = await waitIncluded(url, before, signed.distribute.length, 120_000);
    const started = performance.now();
    await sendAll(url, signed.load);
    const sent = performance.now();
    const done = await waitIncluded(url, funded.lastBlock, signed.load.length, 600_000);
    // Spot checks: the last transfer succeeded, a holder holds tokens.
    const last = await rpc(url, 'eth_getTransactionReceipt', [keccak256(signed.load[signed.load.length - 1])]);
    if (last?.status !== '0x1') throw new Error(`the last transfer did not succeed: ${JSON.stringify(last)}`);
    const balance = await rpc(url, 'eth_call', [{ to: signed.address, data: signed.iface.encodeFunctionData('balanceOf', [holders[0]]) }, 'latest']);
    if (BigInt(balance) === 0n) throw new Error('holder 0 holds no tokens');
    const seconds = (done.at - started) / 1000;
    return { rate: signed.load.length / seconds, seconds, sendSeconds: (sent - started) / 1000, blocks: done.lastBlock - funded.lastBlock };
  } finally {
    await chain.stop();
  }
}

async function waitFor(check, what) {
  for (let i = 0; i < 600; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const token = compileToken();
console.log(`ERC-20 transfers: ${N} from ${S} senders to ${H} holders, 1 s blocks, ${RUNS} interleaved run(s) per chain`);
const chains = [
  { name: 'accord-node --dev', start: startAccord, signed: await sign(4242, token) },
  { name: 'anvil 1.7.1', start: startAnvil, signed: await sign(31337, token) },
];
const results = new Map(chains.map((c) => [c.name, []]));
for (let r = 0; r < RUNS; r++) {
  for (const c of chains) {
    const result = await run(c.start, c.signed);
    results.get(c.name).push(result);
    console.log(`  run ${r + 1} ${c.name}: ${result.rate.toFixed(0)} transfers/s (${result.seconds.toFixed(2)} s, sent in ${result.sendSeconds.toFixed(2)} s, ${result.blocks} blocks)`);
  }
}
for (const c of chains) {
  const rates = results.get(c.name).map((x) => x.rate);
  console.log(`median ${c.name}: ${median(rates).toFixed(0)} transfers/s`);
}
