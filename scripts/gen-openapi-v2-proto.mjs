// Regenerates src/api/protobuf/openapiv2-proto.json.gz: gnostic's
// openapi.v2 protobuf schema (github.com/google/gnostic-models
// openapiv2/OpenAPIv2.proto), as protobufjs JSON.
//
//   node scripts/gen-openapi-v2-proto.mjs [path/to/kubectl]
//
// client-go asks GET /openapi/v2 for `application/com.github.proto-openapi.
// spec.v2@v1.0+protobuf` and proto-unmarshals an openapi.v2.Document, so the
// server must encode exactly that message. kubectl links gnostic-models, whose
// google.golang.org/protobuf generated code keeps each file's descriptor as a
// raw (not gzipped) serialized FileDescriptorProto. We find it by its leading
// `name` field and read fields in ascending number up to `syntax` (12), the
// last field protoc writes for a proto3 file; protobufjs then checks that the
// bytes decode as a descriptor. google/protobuf/any.proto, its one import, is
// taken the same way. The output records the binary's version and sha256 and
// is deterministic.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { kubectlBinary, kubectlClientVersion } from './kubectl-binary.mjs';

const require = createRequire(import.meta.url);
const protobuf = require('protobufjs');
const descriptor = require('protobufjs/ext/descriptor');

const OUTPUT = fileURLToPath(new URL('../src/api/protobuf/openapiv2-proto.json.gz', import.meta.url));
// Dependencies first.
const FILES = ['google/protobuf/any.proto', 'openapiv2/OpenAPIv2.proto'];
const SYNTAX_FIELD = 12;
const LAST_FILE_FIELD = 14;

function readVarint(buf, pos) {
  let value = 0;
  let shift = 0;
  let byte;
  do {
    byte = buf[pos++];
    value += (byte & 0x7f) * 2 ** shift;
    shift += 7;
  } while (byte & 0x80 && shift < 64);
  return [value, pos];
}

/** The serialized FileDescriptorProto starting at `start`, delimited as described above. */
function rawDescriptorAt(image, start) {
  let pos = start;
  let lastField = 0;
  while (pos < image.length) {
    const [tag, afterTag] = readVarint(image, pos);
    const field = Math.floor(tag / 8);
    const wireType = tag & 7;
    if (field < Math.max(lastField, 1) || field > LAST_FILE_FIELD) break;
    if (wireType === 2) {
      const [length, afterLength] = readVarint(image, afterTag);
      pos = afterLength + length;
    } else if (wireType === 0) {
      pos = readVarint(image, afterTag)[1];
    } else {
      break;
    }
    lastField = field;
    if (field === SYNTAX_FIELD) return image.subarray(start, pos);
  }
  return undefined;
}

function extractFile(image, name) {
  const needle = Buffer.concat([Buffer.from([0x0a, name.length]), Buffer.from(name)]);
  for (let at = image.indexOf(needle); at !== -1; at = image.indexOf(needle, at + 1)) {
    const raw = rawDescriptorAt(image, at);
    if (!raw) continue;
    let file;
    try {
      file = descriptor.FileDescriptorProto.decode(raw);
    } catch {
      continue;
    }
    if (file.name === name && file.syntax === 'proto3') return file;
  }
  throw new Error(`${name} is not embedded in the binary`);
}

function withoutOptions(node) {
  if (Array.isArray(node)) return node.map(withoutOptions);
  if (node === null || typeof node !== 'object') return node;
  return Object.fromEntries(Object.keys(node).sort().filter((key) => key !== 'options').map((key) => [key, withoutOptions(node[key])]));
}

const binary = kubectlBinary();
const image = readFileSync(binary);
const version = kubectlClientVersion(binary);
const files = FILES.map((name) => extractFile(image, name));
const json = protobuf.Root.fromDescriptor(descriptor.FileDescriptorSet.create({ file: files })).toJSON();
const document = protobuf.Root.fromJSON(json).lookupType('openapi.v2.Document');
if (!document.fields.definitions) throw new Error('openapi.v2.Document has no definitions field');
const output = {
  'x-k8ts-source': {
    binary,
    files: FILES,
    generator: 'scripts/gen-openapi-v2-proto.mjs',
    kubectlVersion: withoutOptions(version),
    sha256: createHash('sha256').update(image).digest('hex'),
  },
  nested: withoutOptions(json.nested),
};
const gz = gzipSync(Buffer.from(JSON.stringify(output)), { level: 9 });
writeFileSync(OUTPUT, gz);
console.log(`${OUTPUT}: ${FILES.length} files from ${binary} (${version.gitVersion}), ${gz.length} bytes gzipped`);
