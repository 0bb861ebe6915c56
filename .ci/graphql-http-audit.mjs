// GraphQL-over-HTTP conformance: the `graphql-http` package's auditServer against a running
// server. Usage: node graphql-http-audit.mjs http://127.0.0.1:PORT/graphql
// (run where `graphql-http` is installed: NODE_PATH or a node_modules beside the working dir).
// Prints every audit; exits 1 on any error or warning (notices are printed but allowed).
import { auditServer } from 'graphql-http';

const url = process.argv[2];
if (!url) {
  console.error('usage: node graphql-http-audit.mjs URL');
  process.exit(2);
}
const results = await auditServer({ url });
const counts = { ok: 0, notice: 0, warn: 0, error: 0 };
for (const result of results) {
  counts[result.status] += 1;
  const mark = { ok: 'ok    ', notice: 'NOTICE', warn: 'WARN  ', error: 'ERROR ' }[result.status];
  console.log(`${mark} ${result.name}`);
  if (result.status !== 'ok') {
    let body = '';
    try {
      body = await result.response.text();
    } catch {
      body = '(body already read)';
    }
    console.log(`       ${result.reason}`);
    console.log(`       -> HTTP ${result.response.status} ${result.response.headers.get('content-type')}: ${body.slice(0, 300)}`);
  }
}
console.log(`graphql-http audit: ${results.length} audits, ${counts.ok} ok, ${counts.notice} notices, ` +
            `${counts.warn} warnings, ${counts.error} errors`);
process.exit(counts.warn + counts.error > 0 ? 1 : 0);
