import { generateKeyPairSync } from 'crypto';
import * as forge from 'node-forge';

/**
 * A throw-away certificate authority and a server certificate it signs, for
 * 127.0.0.1 / localhost, so that clients can verify the double exactly as they verify
 * a real cluster (CA pinned, hostname checked). Keys come from Node's native RSA
 * generator (forge's pure-JS one takes seconds); forge builds and signs the X.509.
 */
export interface ServerCertificates {
  readonly caCertificate: string;
  readonly certificate: string;
  readonly privateKey: string;
}

function rsaKeys(): { publicKey: forge.pki.rsa.PublicKey; privateKey: forge.pki.rsa.PrivateKey; privatePem: string } {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const privatePem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
  return {
    publicKey: forge.pki.publicKeyFromPem(publicKey.export({ type: 'spki', format: 'pem' }).toString()) as forge.pki.rsa.PublicKey,
    privateKey: forge.pki.privateKeyFromPem(privatePem) as forge.pki.rsa.PrivateKey,
    privatePem,
  };
}

let serial = 1;

function baseCertificate(publicKey: forge.pki.rsa.PublicKey, commonName: string): forge.pki.Certificate {
  const certificate = forge.pki.createCertificate();
  certificate.publicKey = publicKey;
  certificate.serialNumber = (serial++).toString(16).padStart(2, '0');
  certificate.validity.notBefore = new Date(Date.now() - 24 * 3600 * 1000);
  certificate.validity.notAfter = new Date(Date.now() + 365 * 24 * 3600 * 1000);
  certificate.setSubject([{ name: 'commonName', value: commonName }]);
  return certificate;
}

/** A CA's certificate and key, kept to sign the client certificates of certificate logins. */
interface Authority extends ServerCertificates {
  readonly caCert: forge.pki.Certificate;
  readonly caKey: forge.pki.rsa.PrivateKey;
}

function generate(caName: string): Authority {
  const ca = rsaKeys();
  const caCert = baseCertificate(ca.publicKey, caName);
  caCert.setIssuer(caCert.subject.attributes);
  caCert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
  ]);
  caCert.sign(ca.privateKey, forge.md.sha256.create());

  const server = rsaKeys();
  const serverCert = baseCertificate(server.publicKey, 'node');
  serverCert.setIssuer(caCert.subject.attributes);
  serverCert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    { name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }, { type: 2, value: 'localhost' }] },
  ]);
  serverCert.sign(ca.privateKey, forge.md.sha256.create());
  return {
    caCertificate: forge.pki.certificateToPem(caCert),
    certificate: forge.pki.certificateToPem(serverCert),
    privateKey: server.privatePem,
    caCert,
    caKey: ca.privateKey,
  };
}

const cache = new Map<string, Authority>();

/** One set per CA name and process: key generation is the slow part of starting a double. */
export function serverCertificates(caName: string): Authority {
  let found = cache.get(caName);
  if (found === undefined) {
    found = generate(caName);
    cache.set(caName, found);
  }
  return found;
}

export interface ClientCertificate {
  readonly certificate: string;
  readonly privateKey: string;
}

/**
 * A client certificate for `user` signed by the CA `caName`, as `cockroach cert create-client
 * <user>` makes it: the user in the subject's common name, extended key usage clientAuth.
 */
export function clientCertificate(caName: string, user: string): ClientCertificate {
  const authority = serverCertificates(caName);
  const client = rsaKeys();
  const certificate = baseCertificate(client.publicKey, user);
  certificate.setIssuer(authority.caCert.subject.attributes);
  certificate.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', clientAuth: true },
  ]);
  certificate.sign(authority.caKey, forge.md.sha256.create());
  return { certificate: forge.pki.certificateToPem(certificate), privateKey: client.privatePem };
}
