// Builds egov, starts `egov serve --demo` on SQLite in a temporary data
// directory and adds the officials the back-office path needs.
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

// The commune of the demo data whose officials process the dossiers:
// Phường Hoàn Kiếm, Hà Nội.
export const agencyCode = '000.00.40.H26';
export const officialPassword = 'một mật khẩu dài dễ nhớ';
export const officials = {
  receiver: { username: 'hk.tiepnhan', name: 'Lê Thị Tiếp Nhận' },
  specialist: { username: 'hk.chuyenvien', name: 'Phạm Văn Chuyên' },
  leader: { username: 'hk.lanhdao', name: 'Hoàng Minh Lãnh' },
};

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function goEnv() {
  const extra = ['/usr/local/go/bin', path.join(os.homedir(), 'go', 'bin')];
  return { ...process.env, PATH: [...extra, process.env.PATH].join(path.delimiter) };
}

async function waitReady(base, child, log) {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`egov serve exited with ${child.exitCode}; its log:\n${fs.readFileSync(log, 'utf8').slice(-4000)}`);
    }
    try {
      const res = await fetch(`${base}/readyz`);
      if (res.ok) return;
    } catch { /* not listening yet */ }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`egov serve was not ready within 60 s; see ${log}`);
}

/**
 * Starts the server. EGOV_BIN may name an egov binary already built;
 * otherwise `go build ./cmd/egov` builds one into the temporary directory.
 * The server's log goes to logDir/server.log.
 */
export async function startServer(logDir) {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'egov-e2e-'));
  let bin = process.env.EGOV_BIN;
  if (!bin) {
    bin = path.join(tmp, 'egov');
    execFileSync('go', ['build', '-o', bin, './cmd/egov'], { cwd: repoRoot, env: goEnv(), stdio: 'inherit' });
  }
  const data = path.join(tmp, 'data');
  fs.mkdirSync(data);
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  fs.mkdirSync(logDir, { recursive: true });
  const log = path.join(logDir, 'server.log');
  const out = fs.openSync(log, 'w');
  const child = spawn(bin, ['serve', '--demo', '--addr', `127.0.0.1:${port}`, '--data', data, '--public-url', base],
    { stdio: ['ignore', out, out], env: { ...process.env, EGOV_DATABASE_URL: '' } });
  await waitReady(base, child, log);
  for (const [role, o] of Object.entries(officials)) {
    execFileSync(bin, ['official', 'add', '--agency', agencyCode, '--role', role, '--username', o.username,
      '--name', o.name, '--data', data], { input: `${officialPassword}\n`, env: { ...process.env, EGOV_DATABASE_URL: '' } });
  }
  return {
    base,
    log,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      fs.closeSync(out);
      fs.rmSync(tmp, { recursive: true, force: true });
    },
  };
}
