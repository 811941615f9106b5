// A git smart-HTTP server for tests: node:http in front of `git http-backend` (CGI), with HTTP
// Basic auth (user `ada`, password from argv). Pushes need the password; fetches do not.
// usage: node http-git-server.mjs <project root> <password>   (prints its port, then serves)
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';

const [root, password] = process.argv.slice(2);
const expected = `Basic ${Buffer.from(`ada:${password}`).toString('base64')}`;

const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const push = url.searchParams.get('service') === 'git-receive-pack' || url.pathname.endsWith('/git-receive-pack');
  const authed = req.headers.authorization === expected;
  if (push && !authed) {
    res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="git"' });
    res.end('authentication required\n');
    return;
  }
  const env = {
    PATH: process.env.PATH,
    GIT_PROJECT_ROOT: root,
    GIT_HTTP_EXPORT_ALL: '1',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    PATH_INFO: decodeURIComponent(url.pathname),
    QUERY_STRING: url.search.slice(1),
    REQUEST_METHOD: req.method ?? 'GET',
    CONTENT_TYPE: req.headers['content-type'] ?? '',
    ...(req.headers['content-length'] ? { CONTENT_LENGTH: req.headers['content-length'] } : {}),
    ...(req.headers['content-encoding'] ? { HTTP_CONTENT_ENCODING: req.headers['content-encoding'] } : {}),
    ...(req.headers['git-protocol'] ? { GIT_PROTOCOL: req.headers['git-protocol'] } : {}),
    ...(authed ? { REMOTE_USER: 'ada', REMOTE_ADDR: '127.0.0.1' } : {}),
  };
  const cgi = spawn('git', ['http-backend'], { env });
  req.pipe(cgi.stdin);
  let head = Buffer.alloc(0);
  let sent = false;
  cgi.stdout.on('data', (chunk) => {
    if (sent) return void res.write(chunk);
    head = Buffer.concat([head, chunk]);
    let end = head.indexOf('\r\n\r\n');
    let sep = 4;
    if (end < 0) {
      end = head.indexOf('\n\n');
      sep = 2;
    }
    if (end < 0) return;
    const headers = {};
    let status = 200;
    for (const line of head.subarray(0, end).toString('latin1').split(/\r?\n/)) {
      const i = line.indexOf(':');
      if (i < 0) continue;
      const k = line.slice(0, i).trim();
      const v = line.slice(i + 1).trim();
      if (k.toLowerCase() === 'status') status = Number.parseInt(v, 10);
      else headers[k] = v;
    }
    res.writeHead(status, headers);
    sent = true;
    res.write(head.subarray(end + sep));
  });
  cgi.on('close', () => {
    if (!sent) res.writeHead(500);
    res.end();
  });
});
server.listen(0, '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
