// A self-signed X.509 certificate for an RSA key, built with WebCrypto and a few lines of DER, because
// Cloudflare Access publishes each signing key as a PEM certificate beside its JWK.

/** Fixed to ArrayBuffer so that WebCrypto accepts it as a BufferSource. */
type Bytes = Uint8Array<ArrayBuffer>;

const SHA256_WITH_RSA = "1.2.840.113549.1.1.11";
const COMMON_NAME = "2.5.4.3";

export async function selfSignedRsaCertificate(
  keys: CryptoKeyPair,
  commonName: string,
  validFrom: Date,
  validDays: number,
): Promise<string> {
  const name = sequence(set(sequence(objectId(COMMON_NAME), utf8String(commonName))));
  const algorithm = sequence(objectId(SHA256_WITH_RSA), nullValue());
  const validTo = new Date(validFrom.getTime() + validDays * 86_400_000);
  const subjectPublicKeyInfo = new Uint8Array(await crypto.subtle.exportKey("spki", keys.publicKey));
  const serial = crypto.getRandomValues(new Uint8Array(16));
  serial[0] = (serial[0] ?? 0) & 0x7f;
  const toBeSigned = sequence(
    tagged(0xa0, integer(Uint8Array.of(2))),
    integer(serial),
    algorithm,
    name,
    sequence(utcTime(validFrom), utcTime(validTo)),
    name,
    subjectPublicKeyInfo,
  );
  const signature = new Uint8Array(await crypto.subtle.sign("RSASSA-PKCS1-v1_5", keys.privateKey, toBeSigned));
  const certificate = sequence(toBeSigned, algorithm, bitString(signature));
  const base64 = Buffer.from(certificate).toString("base64").replace(/(.{64})/g, "$1\n");
  return `-----BEGIN CERTIFICATE-----\n${base64.trimEnd()}\n-----END CERTIFICATE-----\n`;
}

function tagged(tag: number, ...parts: Bytes[]): Bytes {
  const content = concat(parts);
  const length = content.length;
  let header: number[];
  if (length < 0x80) {
    header = [tag, length];
  } else {
    const lengthBytes: number[] = [];
    for (let rest = length; rest > 0; rest >>= 8) lengthBytes.unshift(rest & 0xff);
    header = [tag, 0x80 | lengthBytes.length, ...lengthBytes];
  }
  return concat([Uint8Array.from(header), content]);
}

const sequence = (...parts: Bytes[]) => tagged(0x30, ...parts);
const set = (...parts: Bytes[]) => tagged(0x31, ...parts);
const nullValue = () => tagged(0x05);
const utf8String = (text: string) => tagged(0x0c, new TextEncoder().encode(text));
const bitString = (bytes: Bytes) => tagged(0x03, Uint8Array.of(0), bytes);

/** DER integers are signed: a leading 1 bit needs a zero byte in front. */
function integer(bytes: Bytes): Bytes {
  return (bytes[0] ?? 0) & 0x80 ? tagged(0x02, Uint8Array.of(0), bytes) : tagged(0x02, bytes);
}

function utcTime(date: Date): Bytes {
  const text = date.toISOString().replace(/[-:T]/g, "").slice(2, 14) + "Z";
  return tagged(0x17, new TextEncoder().encode(text));
}

function objectId(dotted: string): Bytes {
  const [first = 0, second = 0, ...rest] = dotted.split(".").map(Number);
  const bytes = [first * 40 + second];
  for (const arc of rest) {
    const base128 = [arc & 0x7f];
    for (let value = arc >>> 7; value > 0; value >>>= 7) base128.unshift((value & 0x7f) | 0x80);
    bytes.push(...base128);
  }
  return tagged(0x06, Uint8Array.from(bytes));
}

function concat(parts: Bytes[]): Bytes {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
