import { errorMessage } from "../error_message.ts";
/**
 * Reads a Teleport identity file, as written by `tctl auth sign --format=file` (or `tsh login --out`): the
 * credentials the event-handler uses, reused here to call the auth server over mutual TLS.
 *
 * The file is text. PEM blocks are assigned by position, as Teleport reads them: the first is the private
 * key, the second the TLS certificate, every later one a trusted TLS CA certificate. A line starting with an
 * OpenSSH certificate type (`...-cert-v01@openssh.com`) is the SSH certificate, and `@cert-authority` lines
 * are SSH CAs in known_hosts form. Anything else is ignored.
 *
 * @module
 */

/** The parts of an identity file. PEM texts end with a newline. */
export interface TeleportIdentity {
  /** The private key, PEM (PKCS#1, SEC 1 or PKCS#8). */
  privateKeyPem: string;
  /** The client's TLS certificate, PEM. */
  tlsCertificatePem: string;
  /** Certificates of the cluster's TLS CAs, PEM each: the auth server's certificate must chain to one. */
  tlsCaPems: string[];
  /** The SSH certificate line, if present (not used for the API). */
  sshCertificate?: string;
  /** SSH CA lines (`@cert-authority ...`), not used for the API. */
  sshCaLines: string[];
}

/** Thrown for an identity file that lacks a part or has a broken PEM block; the message names the file. */
export class IdentityFileError extends Error {
  /** Builds the error for the identity file named by `source`. */
  constructor(source: string, reason: string) {
    super(`identity file ${source}: ${reason}`);
    this.name = "IdentityFileError";
  }
}

const SSH_CERT_TYPE = /^[a-z0-9-]+(@[a-z0-9.-]+)?-cert-v01@openssh\.com$/;
const PRIVATE_KEY_LABEL = /^-----BEGIN ((RSA |EC |ENCRYPTED )?PRIVATE KEY)-----$/;

/**
 * Parses the text of an identity file.
 *
 * @param source Names the file in error messages, e.g. `'/etc/teleport/identity'`.
 * @example
 * ```ts
 * import { parseIdentityFile } from "./identity.ts";
 * const identity = parseIdentityFile(await Deno.readTextFile("identity"), "'identity'");
 * identity.tlsCaPems.length; // at least 1
 * ```
 */
export function parseIdentityFile(text: string, source = "(text)"): TeleportIdentity {
  const pemBlocks: { label: string; text: string; line: number }[] = [];
  const sshCaLines: string[] = [];
  let sshCertificate: string | undefined;
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line.startsWith("-----BEGIN ")) {
      const start = i;
      const block = [line];
      while (!lines[i].trim().startsWith("-----END ")) {
        i++;
        if (i >= lines.length) {
          throw new IdentityFileError(source, `the PEM block starting on line ${start + 1} has no END line`);
        }
        block.push(lines[i].trim());
      }
      pemBlocks.push({ label: line, text: block.join("\n") + "\n", line: start + 1 });
    } else if (line.startsWith("@cert-authority")) {
      sshCaLines.push(line + "\n");
    } else if (SSH_CERT_TYPE.test(line.split(" ")[0])) {
      sshCertificate = line + "\n";
    }
  }
  const [key, certificate, ...cas] = pemBlocks;
  if (key === undefined) {
    throw new IdentityFileError(source, "no PEM block found (expected the private key first)");
  }
  if (!PRIVATE_KEY_LABEL.test(key.label)) {
    throw new IdentityFileError(
      source,
      `the first PEM block (line ${key.line}) should be the private key, found '${key.label}'`,
    );
  }
  if (key.label.includes("ENCRYPTED")) {
    throw new IdentityFileError(source, "the private key is encrypted; identity files hold unencrypted keys");
  }
  if (certificate === undefined) {
    throw new IdentityFileError(
      source,
      "no TLS certificate after the private key (was it signed with --format=file?)",
    );
  }
  for (const block of [certificate, ...cas]) {
    if (block.label !== "-----BEGIN CERTIFICATE-----") {
      throw new IdentityFileError(
        source,
        `expected a CERTIFICATE PEM block on line ${block.line}, found '${block.label}'`,
      );
    }
  }
  if (cas.length === 0) {
    throw new IdentityFileError(
      source,
      "no TLS CA certificate after the TLS certificate: cannot verify the auth server",
    );
  }
  return {
    privateKeyPem: key.text,
    tlsCertificatePem: certificate.text,
    tlsCaPems: cas.map((block) => block.text),
    sshCertificate,
    sshCaLines,
  };
}

/** Reads and parses the identity file at `path`; errors name the path. */
export async function readIdentityFile(path: string): Promise<TeleportIdentity> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    throw new IdentityFileError(
      `'${path}'`,
      `cannot read it: ${errorMessage(error)}`,
    );
  }
  return parseIdentityFile(text, `'${path}'`);
}
