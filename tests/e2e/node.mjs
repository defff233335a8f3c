// Starts a real accord-node for a test: dev chain, temporary base path, a free RPC port.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function nodeBinary() {
  if (process.env.ACCORD_NODE_BIN) return process.env.ACCORD_NODE_BIN;
  const target = process.env.CARGO_TARGET_DIR || join(process.env.HOME, '.cache/accord-target');
  return join(target, 'release', 'accord-node');
}

// The accord-offchain binary beside accord-node.
export function offchainBinary() {
  return join(nodeBinary(), '..', 'accord-offchain');
}

// Spawns accord-node with `args` and a free RPC port; resolves once it serves RPC, with its
// WebSocket and HTTP URLs. `stop()` kills it and removes `cleanup` (a folder), if given.
export async function spawnNode(args, cleanup) {
  const child = spawn(nodeBinary(), [...args, '--rpc-port', '0'], { stdio: ['ignore', 'ignore', 'pipe'] });
  const addr = await rpcAddress(child);
  return {
    wsUrl: `ws://${addr}`,
    httpUrl: `http://${addr}`,
    async stop() {
      child.kill('SIGKILL');
      await new Promise((r) => (child.exitCode !== null ? r() : child.on('exit', r)));
      if (cleanup) rmSync(cleanup, { recursive: true, force: true });
    },
  };
}

export async function startNode(args = []) {
  const base = mkdtempSync(join(tmpdir(), 'accord-e2e-'));
  return spawnNode(['--dev', '--base-path', base, ...args], base);
}

// The chain spec `accord-node build-spec <args>` prints, parsed.
export async function buildSpec(args) {
  const { execFileSync } = await import('node:child_process');
  return JSON.parse(execFileSync(nodeBinary(), ['build-spec', ...args]).toString());
}

// The public key (hex) of a node key file or secret URI, as --bootnodes lists it.
export async function nodeKey(key) {
  const { execFileSync } = await import('node:child_process');
  return execFileSync(nodeBinary(), ['key', 'inspect-node-key', key]).toString().trim();
}

// A free TCP port on 127.0.0.1 (released at once; another process may take it meanwhile).
export async function freePort() {
  const { createServer } = await import('node:net');
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

// Waits for a spawned node to print its RPC address.
function rpcAddress(child) {
  return new Promise((resolve, reject) => {
    let buffer = '';
    let found = false;
    const timer = setTimeout(() => reject(new Error('node did not report its RPC address in 60 s')), 60_000);
    child.stderr.on('data', (chunk) => {
      if (process.env.ACCORD_TEST_NODE_LOG) process.stderr.write(chunk);
      if (found) return;
      buffer += chunk.toString();
      const m = buffer.match(/Running JSON-RPC server: addr=(\S+)/);
      if (m) {
        found = true;
        clearTimeout(timer);
        resolve(m[1]);
        buffer = '';
      }
    });
    child.on('exit', (code) => reject(new Error(`node exited early with ${code}: ${buffer}`)));
  });
}

// Starts a BFT network of `chain` (`local`, or a chain spec file whose validators are the
// first `count` of //Alice..//Ferdie): its validators and a full node, on loopback with free
// ports. Returns the full node's and the first validator's URLs.
export async function startNetwork({ chain = 'local', count = 4 } = {}) {
  const { writeFileSync, mkdirSync } = await import('node:fs');
  const dir = mkdtempSync(join(tmpdir(), 'accord-e2e-net-'));
  const bin = nodeBinary();
  const validators = ['//Alice', '//Bob', '//Charlie', '//Dave', '//Eve', '//Ferdie'].slice(0, count);
  mkdirSync(join(dir, 'full'));
  const fullKey = join(dir, 'full', 'node-key');
  writeFileSync(fullKey, '07'.repeat(32));
  const keys = await Promise.all([...validators, fullKey].map(nodeKey));
  const ports = [];
  for (let i = 0; i <= count; i++) ports.push(await freePort());
  const children = [];
  const addrs = [];
  const tails = [];
  for (let i = 0; i <= count; i++) {
    const peers = keys.map((k, j) => `${k}@127.0.0.1:${ports[j]}`).filter((_, j) => j !== i).join(',');
    const role = i < count ? ['--validator', '--validator-key', validators[i]] : ['--node-key-file', fullKey];
    const args = ['--chain', chain, '--base-path', join(dir, `node${i}`), '--rpc-port', '0',
      '--listen-addr', `127.0.0.1:${ports[i]}`, '--bootnodes', peers, ...role];
    const child = spawn(bin, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    children.push(child);
    addrs.push(rpcAddress(child));
    // The last lines each node logged, for a failing test's message.
    const lines = [];
    tails.push(lines);
    child.stderr.on('data', (chunk) => {
      lines.push(...chunk.toString().split('\n').filter((l) => l));
      lines.splice(0, Math.max(0, lines.length - 40));
    });
  }
  const resolved = await Promise.all(addrs);
  return {
    wsUrl: `ws://${resolved[count]}`,
    httpUrl: `http://${resolved[count]}`,
    validatorWsUrl: `ws://${resolved[0]}`,
    validatorHttpUrl: `http://${resolved[0]}`,
    // Every node's HTTP URL: the validators', then the full node's.
    httpUrls: resolved.map((addr) => `http://${addr}`),
    // The last lines each node logged (validators first, then the full node).
    logTail: () => tails.map((lines, i) => `--- node ${i}\n${lines.join('\n')}`).join('\n'),
    async stop() {
      for (const child of children) child.kill('SIGKILL');
      await Promise.all(children.map((c) => new Promise((r) => (c.exitCode !== null ? r() : c.on('exit', r)))));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
