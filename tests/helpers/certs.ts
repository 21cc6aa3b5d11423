/**
 * Test certificates made with the `openssl` command-line tool in a temporary directory: a CA, a server
 * certificate for `localhost` and `127.0.0.1`, a client certificate signed by that CA, and a client
 * certificate signed by a second, foreign CA (which a server trusting only the first CA must reject).
 *
 * @example
 * ```ts
 * import { createTestCertificates } from "./certs.ts";
 * await using certs = await createTestCertificates();
 * const caPem = await Deno.readTextFile(certs.caCert);
 * ```
 *
 * @module
 */

/** Paths of the generated PEM files; `dispose` (or `await using`) removes the directory. */
export interface TestCertificates extends AsyncDisposable {
  /** The directory holding every file. */
  dir: string;
  /** The trusted CA's certificate. */
  caCert: string;
  /** Server certificate (subject alternative names `localhost` and `127.0.0.1`), signed by the CA. */
  serverCert: string;
  /** The server certificate's private key. */
  serverKey: string;
  /** Client certificate signed by the CA. */
  clientCert: string;
  /** The client certificate's private key. */
  clientKey: string;
  /** Client certificate signed by a foreign CA that the server does not trust. */
  foreignClientCert: string;
  /** The foreign client certificate's private key. */
  foreignClientKey: string;
  /** Removes the directory. */
  dispose(): Promise<void>;
}

/** Generates a fresh set of certificates (takes a fraction of a second: EC P-256 keys). */
export async function createTestCertificates(): Promise<TestCertificates> {
  const dir = await Deno.makeTempDir({ prefix: "tpf-certs-" });
  const file = (name: string) => `${dir}/${name}`;
  try {
    await makeCa(file("ca"), "tpf test CA");
    await makeCa(file("foreign-ca"), "tpf foreign CA");
    await makeLeaf(file("server"), file("ca"), "localhost", [
      "subjectAltName=DNS:localhost,IP:127.0.0.1",
      "extendedKeyUsage=serverAuth",
    ]);
    await makeLeaf(file("client"), file("ca"), "tpf-client", ["extendedKeyUsage=clientAuth"]);
    await makeLeaf(file("foreign-client"), file("foreign-ca"), "tpf-foreign-client", [
      "extendedKeyUsage=clientAuth",
    ]);
  } catch (error) {
    await Deno.remove(dir, { recursive: true });
    throw error;
  }
  const dispose = () => Deno.remove(dir, { recursive: true });
  return {
    dir,
    caCert: file("ca.crt"),
    serverCert: file("server.crt"),
    serverKey: file("server.key"),
    clientCert: file("client.crt"),
    clientKey: file("client.key"),
    foreignClientCert: file("foreign-client.crt"),
    foreignClientKey: file("foreign-client.key"),
    dispose,
    [Symbol.asyncDispose]: dispose,
  };
}

/**
 * POSTs `body` as JSON to an `https://` URL, trusting the CA certificate at `caCert` and, when `client` is
 * given, presenting that certificate and key (PEM file paths); resolves to the response status.
 */
export async function postJsonOverTls(
  url: string,
  body: string,
  caCert: string,
  client?: { cert: string; key: string },
): Promise<number> {
  const httpClient = Deno.createHttpClient({
    caCerts: [await Deno.readTextFile(caCert)],
    ...(client && { cert: await Deno.readTextFile(client.cert), key: await Deno.readTextFile(client.key) }),
  });
  try {
    const response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body,
      client: httpClient,
    });
    await response.body?.cancel();
    return response.status;
  } finally {
    httpClient.close();
  }
}

/** Long enough for any test run, short enough that a leaked file is useless. */
const VALID_DAYS = "2";

/** `openssl req` arguments making a new P-256 key at `BASE.key` for the subject `commonName`. */
function newKeyArgs(base: string, commonName: string): string[] {
  return [
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:P-256",
    "-nodes",
    "-keyout",
    `${base}.key`,
    "-subj",
    `/O=tpf tests/CN=${commonName}`,
  ];
}

async function makeCa(base: string, commonName: string): Promise<void> {
  await openssl([
    "req",
    "-x509",
    ...newKeyArgs(base, commonName),
    "-out",
    `${base}.crt`,
    "-days",
    VALID_DAYS,
    "-addext",
    "basicConstraints=critical,CA:TRUE",
    "-addext",
    "keyUsage=critical,keyCertSign,cRLSign",
  ]);
}

async function makeLeaf(
  base: string,
  caBase: string,
  commonName: string,
  extensions: string[],
): Promise<void> {
  await openssl(["req", ...newKeyArgs(base, commonName), "-out", `${base}.csr`]);
  const extFile = `${base}.ext`;
  await Deno.writeTextFile(extFile, ["basicConstraints=CA:FALSE", ...extensions].join("\n") + "\n");
  await openssl([
    "x509",
    "-req",
    "-in",
    `${base}.csr`,
    "-CA",
    `${caBase}.crt`,
    "-CAkey",
    `${caBase}.key`,
    "-CAcreateserial",
    "-out",
    `${base}.crt`,
    "-days",
    VALID_DAYS,
    "-extfile",
    extFile,
  ]);
}

async function openssl(args: string[]): Promise<void> {
  const { success, stderr } = await new Deno.Command("openssl", { args, stdout: "null", stderr: "piped" })
    .output();
  if (!success) {
    throw new Error(`openssl ${args[0]} failed: ${new TextDecoder().decode(stderr).trim()}`);
  }
}
