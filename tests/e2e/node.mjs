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

export async function startNode(args = []) {
  const base = mkdtempSync(join(tmpdir(), 'accord-e2e-'));
  const child = spawn(nodeBinary(), ['--dev', '--base-path', base, '--rpc-port', '0', ...args], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const addr = await new Promise((resolve, reject) => {
    let buffer = '';
    const timer = setTimeout(() => reject(new Error('node did not report its RPC address in 60 s')), 60_000);
    child.stderr.on('data', (chunk) => {
      buffer += chunk.toString();
      const m = buffer.match(/Running JSON-RPC server: addr=(\S+)/);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
      if (process.env.ACCORD_TEST_NODE_LOG) process.stderr.write(chunk);
    });
    child.on('exit', (code) => reject(new Error(`node exited early with ${code}: ${buffer}`)));
  });
  return {
    wsUrl: `ws://${addr}`,
    async stop() {
      child.kill('SIGKILL');
      await new Promise((r) => (child.exitCode !== null ? r() : child.on('exit', r)));
      rmSync(base, { recursive: true, force: true });
    },
  };
}
