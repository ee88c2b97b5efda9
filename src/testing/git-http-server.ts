/**
 * A real git smart-HTTP server for tests: a Node http server on 127.0.0.1 runs `git http-backend`
 * as CGI for a bare repository, and answers 401 (`WWW-Authenticate: Basic`) unless the request's
 * `Authorization` header is exactly the one given.
 */
import { spawn, execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import path from 'node:path';
import { processVariable } from '../config/env.ts';

export interface GitHttpServer {
  /** Push/clone URL of the bare repository, e.g. http://127.0.0.1:PORT/team.git */
  url: string;
  /** The bare repository on disk. */
  repoDir: string;
  /** Every request seen: method, path and whether it carried the right Authorization. */
  requests: { method: string; path: string; authorized: boolean }[];
  close(): Promise<void>;
}

/** Serves `<root>/<name>` (created bare, empty) requiring `authorization` (the full header value). */
export async function startGitHttpServer(opts: {
  root: string;
  name?: string;
  authorization: string;
  /** Called on each authorized request while the client waits for the answer (e.g. to inspect `ps`). */
  onAuthorized?: () => void;
}): Promise<GitHttpServer> {
  const name = opts.name ?? 'team.git';
  const repoDir = path.join(opts.root, name);
  mkdirSync(repoDir, { recursive: true });
  execFileSync('git', ['init', '--bare', '--quiet', '--initial-branch=main', repoDir]);
  const requests: GitHttpServer['requests'] = [];

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const authorized = req.headers.authorization === opts.authorization;
    requests.push({ method: req.method ?? '', path: url.pathname, authorized });
    if (!authorized) {
      res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="arena-test"', 'Content-Type': 'text/plain' });
      res.end('authentication required\n');
      return;
    }
    opts.onAuthorized?.();
    const env: NodeJS.ProcessEnv = {
      PATH: processVariable('PATH'),
      GIT_PROJECT_ROOT: opts.root,
      GIT_HTTP_EXPORT_ALL: '1',
      PATH_INFO: url.pathname,
      QUERY_STRING: url.search.replace(/^\?/, ''),
      REQUEST_METHOD: req.method ?? 'GET',
      CONTENT_TYPE: req.headers['content-type'] ?? '',
      // http-backend refuses receive-pack to anonymous users: this one has authenticated.
      REMOTE_USER: 'arena-test',
      REMOTE_ADDR: req.socket.remoteAddress ?? '127.0.0.1',
      ...(req.headers['content-length'] ? { CONTENT_LENGTH: req.headers['content-length'] } : {}),
      ...(req.headers['content-encoding'] ? { HTTP_CONTENT_ENCODING: req.headers['content-encoding'] } : {}),
      ...(typeof req.headers['git-protocol'] === 'string' ? { GIT_PROTOCOL: req.headers['git-protocol'] } : {}),
    };
    const cgi = spawn('git', ['http-backend'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    req.pipe(cgi.stdin);
    cgi.stdin.on('error', () => undefined);
    let stderr = '';
    cgi.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    // CGI output: header lines, a blank line, then the body. `Status:` sets the HTTP status.
    let head = Buffer.alloc(0);
    let headerDone = false;
    cgi.stdout.on('data', (chunk: Buffer) => {
      if (headerDone) {
        res.write(chunk);
        return;
      }
      head = Buffer.concat([head, chunk]);
      const crlf = head.indexOf('\r\n\r\n');
      const lf = head.indexOf('\n\n');
      const end = crlf >= 0 && (lf < 0 || crlf < lf) ? crlf + 4 : lf >= 0 ? lf + 2 : -1;
      if (end < 0) return;
      headerDone = true;
      let status = 200;
      const headers: Record<string, string> = {};
      for (const line of head.subarray(0, end).toString('latin1').split(/\r?\n/)) {
        const m = /^([^:]+):\s*(.*)$/.exec(line);
        if (!m) continue;
        if ((m[1] as string).toLowerCase() === 'status') status = Number.parseInt(m[2] as string, 10);
        else headers[m[1] as string] = m[2] as string;
      }
      res.writeHead(status, headers);
      res.write(head.subarray(end));
    });
    cgi.on('close', (code) => {
      if (!headerDone) {
        res.writeHead(500, { 'Content-Type': 'text/plain' });
        res.end(`git http-backend exited ${code}: ${stderr}`);
      } else res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}/${name}`,
    repoDir,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
