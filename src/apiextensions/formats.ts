// The string formats Kubernetes' structural schemas check (the kube-openapi
// format registry as apiextensions-apiserver allows it). Unknown formats
// pass, as they do in Kubernetes.

const CHECKS: Record<string, (value: string) => boolean> = {
  'date-time': (v) => /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/.test(v) && !Number.isNaN(Date.parse(v.replace(' ', 'T'))),
  date: (v) => /^\d{4}-\d{2}-\d{2}$/.test(v) && !Number.isNaN(Date.parse(v)),
  email: (v) => /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(v),
  hostname: (v) => v.length <= 253 && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/i.test(v),
  ipv4: (v) => /^((25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/.test(v),
  ipv6: (v) => v.includes(':') && /^[0-9a-f:.]+$/i.test(v),
  uri: (v) => /^[a-z][a-z0-9+.-]*:/i.test(v),
  uuid: (v) => /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i.test(v),
  byte: (v) => /^[A-Za-z0-9+/]*={0,2}$/.test(v) && v.length % 4 === 0,
  duration: (v) => /^-?(\d+(\.\d+)?(ns|us|µs|ms|s|m|h|d|w))+$/.test(v),
  mac: (v) => /^([0-9a-f]{2}[:-]){5}[0-9a-f]{2}$/i.test(v),
  cidr: (v) => /^[0-9a-f:.]+\/\d{1,3}$/i.test(v),
};

export function formatMatches(format: string, value: string): boolean {
  const check = CHECKS[format];
  return check === undefined || check(value);
}
