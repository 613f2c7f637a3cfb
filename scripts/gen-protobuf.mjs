// Regenerates src/api/protobuf/kubernetes-proto.json.gz: the protobuf schemas
// of the Kubernetes API groups k8ts serves, as protobufjs JSON.
//
//   node scripts/gen-protobuf.mjs [path/to/kubectl]
//
// No npm or Debian package ships Kubernetes' .proto files, but kubectl does:
// its gogo-protobuf generated code registers every generated.proto as a
// gzipped FileDescriptorProto byte array. We scan the binary for gzip members,
// inflate each, and keep the ones that parse as a FileDescriptorProto named
// k8s.io/... . The binary's version and sha256 are recorded in the output
// (`x-k8ts-source`) so the provenance is checkable; the output is
// deterministic (descriptor order, gzip without a timestamp).
//
// Two facts the JSON decoder needs are not plain protobuf, so they are kept
// as field options:
// - "(gogoproto.nullable)": false marks a non-pointer Go field. gogo writes
//   those even when zero, so a zero value on the wire means "unset" there,
//   while a nullable (pointer) field that is present means what it says.
// - "(k8ts.inline)": true marks an embedded struct that Go's JSON inlines
//   (json:",inline"), e.g. Volume.volumeSource. Descriptors can't tell these
//   from ordinary fields, so they are listed below, and checked against the
//   one shape they all share.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { gzipSync, inflateRawSync } from 'node:zlib';
import { kubectlBinary, kubectlClientVersion } from './kubectl-binary.mjs';

const require = createRequire(import.meta.url);
const protobuf = require('protobufjs');
const descriptor = require('protobufjs/ext/descriptor');

const OUTPUT = fileURLToPath(new URL('../src/api/protobuf/kubernetes-proto.json.gz', import.meta.url));

// The API groups k8ts serves; their apimachinery imports are added below.
const WANTED_FILES = [
  'k8s.io/api/core/v1/generated.proto',
  'k8s.io/api/apps/v1/generated.proto',
  'k8s.io/api/batch/v1/generated.proto',
  'k8s.io/api/coordination/v1/generated.proto',
  'k8s.io/api/discovery/v1/generated.proto',
  'k8s.io/api/autoscaling/v1/generated.proto',
  'k8s.io/api/autoscaling/v2/generated.proto',
  'k8s.io/api/policy/v1/generated.proto',
  'k8s.io/api/networking/v1/generated.proto',
  'k8s.io/api/rbac/v1/generated.proto',
  'k8s.io/api/storage/v1/generated.proto',
  'k8s.io/api/scheduling/v1/generated.proto',
];
// apiextensions.k8s.io is absent: kubectl does not link apiextensions-apiserver
// (and only talks to CRDs through dynamic, JSON-speaking clients).

// Embedded structs with json:",inline" in k8s.io/api (fully qualified message.field).
const INLINE_FIELDS = [
  'k8s.io.api.core.v1.Volume.volumeSource',
  'k8s.io.api.core.v1.PersistentVolumeSpec.persistentVolumeSource',
  'k8s.io.api.core.v1.Probe.handler',
  'k8s.io.api.core.v1.EphemeralContainer.ephemeralContainerCommon',
  'k8s.io.api.core.v1.ConfigMapEnvSource.localObjectReference',
  'k8s.io.api.core.v1.ConfigMapKeySelector.localObjectReference',
  'k8s.io.api.core.v1.ConfigMapProjection.localObjectReference',
  'k8s.io.api.core.v1.ConfigMapVolumeSource.localObjectReference',
  'k8s.io.api.core.v1.SecretEnvSource.localObjectReference',
  'k8s.io.api.core.v1.SecretKeySelector.localObjectReference',
  'k8s.io.api.core.v1.SecretProjection.localObjectReference',
  'k8s.io.api.networking.v1.IngressRule.ingressRuleValue',
  'k8s.io.apimachinery.pkg.runtime.Unknown.typeMeta',
];

// gogo.proto's field options, which protobufjs would otherwise drop as unknown.
const GOGO_NULLABLE = 65001;
const GOGO_CUSTOMNAME = 65004;
descriptor.FieldOptions.add(new protobuf.Field('gogoNullable', GOGO_NULLABLE, 'bool'));
descriptor.FieldOptions.add(new protobuf.Field('gogoCustomname', GOGO_CUSTOMNAME, 'string'));

/** Inflates the single gzip member at `offset`, or returns undefined. */
function gunzipMemberAt(image, offset) {
  const GZIP_HEADER = 10; // Go's gzip writer sets no optional header fields (FLG = 0)
  if (image[offset + 3] !== 0) return undefined;
  let result;
  try {
    result = inflateRawSync(image.subarray(offset + GZIP_HEADER), { info: true });
  } catch {
    return undefined;
  }
  // The trailer's ISIZE confirms we inflated a real member, not a lucky prefix.
  const trailer = offset + GZIP_HEADER + result.engine.bytesWritten;
  if (trailer + 8 > image.length || image.readUInt32LE(trailer + 4) !== result.buffer.length) return undefined;
  return result.buffer;
}

function extractDescriptors(image) {
  const files = new Map();
  for (let i = image.indexOf(0x1f); i !== -1 && i + 18 <= image.length; i = image.indexOf(0x1f, i + 1)) {
    if (image[i + 1] !== 0x8b || image[i + 2] !== 0x08) continue;
    const bytes = gunzipMemberAt(image, i);
    if (!bytes) continue;
    let file;
    try {
      file = descriptor.FileDescriptorProto.decode(bytes);
    } catch {
      continue;
    }
    if (typeof file.name === 'string' && file.name.startsWith('k8s.io/') && !files.has(file.name)) files.set(file.name, file);
  }
  return files;
}

/** The wanted files and everything they import, dependencies first. */
function withDependencies(files, wanted) {
  const ordered = [];
  const visit = (name) => {
    if (ordered.includes(name)) return;
    const file = files.get(name);
    if (!file) throw new Error(`${name} is not embedded in the binary`);
    for (const dep of file.dependency) if (dep.startsWith('k8s.io/')) visit(dep);
    ordered.push(name);
  };
  for (const name of wanted) visit(name);
  return ordered.map((name) => files.get(name));
}

/** message full name → field name → the gogo options we keep. */
function gogoFieldOptions(files) {
  const byMessage = new Map();
  const walk = (prefix, messages) => {
    for (const message of messages) {
      const fullName = `${prefix}.${message.name}`;
      const fields = new Map();
      for (const field of message.field) {
        const options = field.options ?? {};
        fields.set(field.name, {
          nonNullable: Object.hasOwn(options, 'gogoNullable') && options.gogoNullable === false,
          goName: Object.hasOwn(options, 'gogoCustomname') ? options.gogoCustomname : undefined,
        });
      }
      byMessage.set(fullName, fields);
      walk(fullName, message.nestedType);
    }
  };
  for (const file of files) walk(file.package, file.messageType);
  return byMessage;
}

function buildJson(files, gogo) {
  for (const file of files) file.dependency = []; // resolved within the set; gogo.proto is not needed
  const root = descriptor.FileDescriptorSet.create({ file: files });
  const json = protobuf.Root.fromDescriptor(root).toJSON();
  const inline = new Set(INLINE_FIELDS);
  const seenInline = new Set();
  const rewrite = (fullName, node) => {
    if (node.fields) {
      const options = gogo.get(fullName);
      for (const [name, field] of Object.entries(node.fields)) {
        delete field.options;
        const info = options?.get(name);
        const qualified = `${fullName}.${name}`;
        if (info?.nonNullable && field.rule !== 'repeated' && !field.keyType) field.options = { '(gogoproto.nullable)': false };
        if (inline.has(qualified)) {
          // Every inlined embed is a non-pointer field named after its type in Go.
          if (!info?.nonNullable || info.goName !== field.type.split('.').pop()) throw new Error(`${qualified} does not look embedded`);
          field.options = { ...field.options, '(k8ts.inline)': true };
          seenInline.add(qualified);
        }
      }
    }
    delete node.options;
    for (const [name, child] of Object.entries(node.nested ?? {})) rewrite(fullName ? `${fullName}.${name}` : name, child);
  };
  rewrite('', json);
  const missing = INLINE_FIELDS.filter((name) => !seenInline.has(name));
  if (missing.length) throw new Error(`inline fields not found: ${missing.join(', ')}`);
  return json;
}

function sortedKeys(value) {
  if (Array.isArray(value)) return value.map(sortedKeys);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.keys(value).sort().map((key) => [key, sortedKeys(value[key])]));
}

const binary = kubectlBinary();
const image = readFileSync(binary);
const version = kubectlClientVersion(binary);
const embedded = extractDescriptors(image);
const files = withDependencies(embedded, WANTED_FILES);
const gogo = gogoFieldOptions(files);
const json = buildJson(files, gogo);
const output = {
  'x-k8ts-source': sortedKeys({
    generator: 'scripts/gen-protobuf.mjs',
    binary: binary,
    sha256: createHash('sha256').update(image).digest('hex'),
    kubectlVersion: version,
    files: files.map((file) => file.name),
    inlineFields: INLINE_FIELDS,
  }),
  nested: json.nested,
};
const gz = gzipSync(Buffer.from(JSON.stringify(output)), { level: 9 });
writeFileSync(OUTPUT, gz);
console.log(`${OUTPUT}: ${files.length} files from ${binary} (${version.gitVersion}), ${gz.length} bytes gzipped`);
