// A ForwardingServer in its own process, for tests that kill the active node with SIGKILL.
// Reads its TLS material (JSON) from COFFER_TEST_TLS; prints `listening <address>` once bound and
// `received <requestId>` for each forwarded request, which it never answers.
import { clusterTlsMaterialFromJson } from '../../src/cluster/cluster-tls-material.js';
import { ForwardingServer } from '../../src/cluster/forwarding-server.js';

const tls = clusterTlsMaterialFromJson(JSON.parse(process.env['COFFER_TEST_TLS'] ?? 'null'));
const server = await ForwardingServer.listen({
  listen: '127.0.0.1:0',
  tls,
  nodeId: 'active',
  handler: (req) => {
    process.stdout.write(`received ${req.requestId}\n`);
    return new Promise(() => {});
  },
});
process.stdout.write(`listening ${server.address}\n`);
