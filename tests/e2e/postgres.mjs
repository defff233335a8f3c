// A real PostgreSQL server for a test: initdb and pg_ctl of the installed server (./scripts/setup
// installs it) in a temporary folder, on a free loopback port; queried with psql.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './node.mjs';

function serverBin() {
  const root = '/usr/lib/postgresql';
  const versions = readdirSync(root).map((v) => join(root, v, 'bin')).filter((b) => existsSync(join(b, 'pg_ctl')));
  if (!versions.length) throw new Error('PostgreSQL is not installed (./scripts/setup installs it)');
  return versions.sort((a, b) => Number(a.split('/').at(-2)) - Number(b.split('/').at(-2))).at(-1);
}

/** Starts a server; `{ url(db), createDatabase(name), query(db, sql), stop() }`. */
export async function startPostgres() {
  const bin = serverBin();
  const dir = mkdtempSync(join(tmpdir(), 'accord-e2e-pg-'));
  // initdb refuses to run as root: as root, the server runs as the `postgres` user.
  const asRoot = process.getuid() === 0;
  if (asRoot) execFileSync('chown', ['-R', 'postgres', dir]);
  const run = (program, args) => {
    const path = join(bin, program);
    const [cmd, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', path, ...args]] : [path, args];
    return execFileSync(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'] }).toString();
  };
  const port = await freePort();
  const data = join(dir, 'data');
  run('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync']);
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1`;
  run('pg_ctl', ['-D', data, '-o', options, '-l', join(dir, 'log'), '-w', 'start']);
  const psql = (db, sql) =>
    execFileSync(join(bin, 'psql'), ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-d', db, '-At', '-c', sql])
      .toString()
      .trim();
  return {
    url: (db) => `postgres://postgres@127.0.0.1:${port}/${db}`,
    createDatabase: (name) => psql('postgres', `CREATE DATABASE ${name}`),
    /** The rows of `sql` on database `db`, each a `|`-separated line. */
    query: (db, sql) => psql(db, sql),
    stop() {
      try {
        run('pg_ctl', ['-D', data, '-m', 'immediate', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
