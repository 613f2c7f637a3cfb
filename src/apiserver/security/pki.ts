// The cluster's PKI, made on first start and kept in the data dir: a CA and
// a serving certificate for the API server signed by it (ECDSA P-256, via
// @peculiar/x509 on Node's WebCrypto). Later starts reuse the files.
// @peculiar/x509 resolves its ASN.1 helpers through tsyringe, which needs the Reflect metadata polyfill.
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { isIP } from 'node:net';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY_MS = 24 * 60 * 60 * 1000;

export interface ServingPki {
  caPem: string;
  certPem: string;
  keyPem: string;
}

function pemKey(der: ArrayBuffer): string {
  const b64 = Buffer.from(der).toString('base64').replace(/(.{64})/g, '$1\n');
  return `-----BEGIN PRIVATE KEY-----\n${b64.trim()}\n-----END PRIVATE KEY-----\n`;
}

async function importKey(pem: string): Promise<CryptoKey> {
  const der = Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
  return webcrypto.subtle.importKey('pkcs8', der, ALG, true, ['sign']) as Promise<CryptoKey>;
}

async function makeCa(): Promise<{ certPem: string; keyPem: string }> {
  const keys = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    name: 'CN=k8ts-ca',
    keys,
    notBefore: new Date(Date.now() - DAY_MS),
    notAfter: new Date(Date.now() + 3650 * DAY_MS),
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { certPem: cert.toString('pem'), keyPem: pemKey(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey) as ArrayBuffer) };
}

async function makeServingCert(caCertPem: string, caKeyPem: string, hosts: string[]): Promise<{ certPem: string; keyPem: string }> {
  const caCert = new x509.X509Certificate(caCertPem);
  const caKey = await importKey(caKeyPem);
  const keys = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as CryptoKeyPair;
  const names = hosts.map((h) => (isIP(h) ? { type: 'ip' as const, value: h } : { type: 'dns' as const, value: h }));
  const cert = await x509.X509CertificateGenerator.create({
    subject: 'CN=k8ts-apiserver',
    issuer: caCert.subject,
    publicKey: keys.publicKey,
    signingKey: caKey,
    notBefore: new Date(Date.now() - DAY_MS),
    notAfter: new Date(Date.now() + 365 * DAY_MS),
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(names),
      await x509.AuthorityKeyIdentifierExtension.create(caCert),
    ],
  });
  return { certPem: cert.toString('pem'), keyPem: pemKey(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey) as ArrayBuffer) };
}

/** Loads the PKI from `dir`, creating what is missing. The serving cert is remade if a requested host is not in it. */
export async function ensurePki(dir: string, extraHosts: string[] = []): Promise<ServingPki> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const caCrt = join(dir, 'ca.crt');
  const caKey = join(dir, 'ca.key');
  const srvCrt = join(dir, 'apiserver.crt');
  const srvKey = join(dir, 'apiserver.key');
  if (!existsSync(caCrt) || !existsSync(caKey)) {
    const ca = await makeCa();
    writeFileSync(caKey, ca.keyPem, { mode: 0o600 });
    writeFileSync(caCrt, ca.certPem);
  }
  const caPem = readFileSync(caCrt, 'utf8');
  const hosts = [...new Set(['localhost', '127.0.0.1', '::1', hostname(), ...extraHosts])];
  let needServing = !existsSync(srvCrt) || !existsSync(srvKey);
  if (!needServing) {
    const existing = new x509.X509Certificate(readFileSync(srvCrt, 'utf8'));
    const san = existing.getExtension(x509.SubjectAlternativeNameExtension);
    const present = new Set((san?.names.items ?? []).map((n) => n.value));
    needServing = hosts.some((h) => !present.has(h)) || existing.notAfter.getTime() < Date.now() + 30 * DAY_MS;
  }
  if (needServing) {
    const serving = await makeServingCert(caPem, readFileSync(caKey, 'utf8'), hosts);
    writeFileSync(srvKey, serving.keyPem, { mode: 0o600 });
    writeFileSync(srvCrt, serving.certPem);
  }
  return { caPem, certPem: readFileSync(srvCrt, 'utf8'), keyPem: readFileSync(srvKey, 'utf8') };
}
