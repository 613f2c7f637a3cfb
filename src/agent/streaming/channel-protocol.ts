// Kubernetes' WebSocket remotecommand protocols (v4/v5.channel.k8s.io):
// each binary message starts with a channel byte: 0 stdin, 1 stdout,
// 2 stderr, 3 error (a Status as JSON, also carrying the exit code),
// 4 resize ({"Width","Height"}); v5 adds 255 = "close this channel".
export const CHANNEL = { stdin: 0, stdout: 1, stderr: 2, error: 3, resize: 4, close: 255 } as const;
export const SUPPORTED_PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io'];

export function frame(channel: number, data: Buffer | string): Buffer {
  const body = typeof data === 'string' ? Buffer.from(data) : data;
  return Buffer.concat([Buffer.from([channel]), body]);
}

/** The Status kubectl reads from the error channel to learn the exit code. */
export function exitStatus(code: number): string {
  if (code === 0) return JSON.stringify({ metadata: {}, status: 'Success' });
  return JSON.stringify({
    metadata: {},
    status: 'Failure',
    message: `command terminated with non-zero exit code: error executing command [...], exit code ${code}`,
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: String(code) }] },
  });
}

export function errorStatus(message: string): string {
  return JSON.stringify({ metadata: {}, status: 'Failure', message, reason: 'InternalError', code: 500 });
}

export function chooseProtocol(offered: string | undefined): string | undefined {
  const list = (offered ?? '').split(',').map((s) => s.trim());
  return SUPPORTED_PROTOCOLS.find((p) => list.includes(p));
}
