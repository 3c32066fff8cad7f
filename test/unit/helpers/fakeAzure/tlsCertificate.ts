/**
 * A self-signed certificate for 127.0.0.1, made with openssl for one test run. msal and the
 * Azure SDK refuse http:// authorities and bearer tokens over plain HTTP, so the fake ARM
 * and authority speak HTTPS; child processes trust it through NODE_EXTRA_CA_CERTS (read by
 * Node at start only), in-process clients through their TLS options.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface TlsCertificate {
  /** PEM file of the certificate: the value for NODE_EXTRA_CA_CERTS. */
  certPath: string;
  cert: string;
  key: string;
}

export function createTlsCertificate(folder: string): TlsCertificate {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
  } catch {
    throw new Error('the fake Azure server needs openssl on PATH to make its TLS certificate (apt-get install openssl)');
  }
  const certPath = join(folder, 'fake-azure-cert.pem');
  const keyPath = join(folder, 'fake-azure-key.pem');
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyPath, '-out', certPath, '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'],
    { stdio: 'ignore' },
  );
  return { certPath, cert: readFileSync(certPath, 'utf8'), key: readFileSync(keyPath, 'utf8') };
}
