import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Pem {
  readonly ca: string;
  readonly cert: string;
  readonly key: string;
}

function openssl(dir: string, args: readonly string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
}

/**
 * Makes a throwaway CA and one node certificate it signs (SAN IP:127.0.0.1, server + client
 * auth) in `dir`, with the openssl CLI. `name` keeps several PKIs apart in one directory.
 */
export function makeTestPki(dir: string, name: string): Pem {
  const f = (s: string): string => `${name}-${s}`;
  openssl(dir, [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    f('ca.key'),
    '-out',
    f('ca.pem'),
    '-days',
    '2',
    '-subj',
    `/CN=${name} test CA`,
  ]);
  writeFileSync(
    join(dir, f('ext.cnf')),
    'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\nbasicConstraints=CA:FALSE\n',
  );
  openssl(dir, [
    'req',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    f('node.key'),
    '-out',
    f('node.csr'),
    '-subj',
    `/CN=${name} node`,
  ]);
  openssl(dir, [
    'x509',
    '-req',
    '-in',
    f('node.csr'),
    '-CA',
    f('ca.pem'),
    '-CAkey',
    f('ca.key'),
    '-CAcreateserial',
    '-out',
    f('node.pem'),
    '-days',
    '2',
    '-extfile',
    f('ext.cnf'),
  ]);
  const read = (s: string): string => readFileSync(join(dir, f(s)), 'utf8');
  return { ca: read('ca.pem'), cert: read('node.pem'), key: read('node.key') };
}
