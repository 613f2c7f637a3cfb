// The one error type every patch function throws. It carries exactly what
// kube-apiserver would answer, so the HTTP layer can turn it into a Status
// without knowing which patch flavour failed.
import type { Status, StatusCause } from '../../api/types.js';

/** 413 only for JSON patches with more operations than kube-apiserver allows. */
export type PatchErrorCode = 400 | 413 | 422 | 500;

/**
 * Kubernetes' StatusReason for each way a patch can fail. The empty string is
 * StatusReasonUnknown: kube-apiserver uses it for plain Go errors that were
 * never wrapped in a StatusError, which is the case for most strategic merge
 * patch failures.
 */
export type PatchErrorReason = 'BadRequest' | 'Invalid' | 'RequestEntityTooLarge' | '';

export class PatchError extends Error {
  override readonly name = 'PatchError';

  constructor(
    readonly code: PatchErrorCode,
    readonly reason: PatchErrorReason,
    /** Exactly the Status message kube-apiserver sends. */
    message: string,
    /**
     * What actually went wrong. Usually equal to `message`, but for 422s
     * kube-apiserver replaces the text with a generic sentence, so the
     * specifics survive only here (useful for logs).
     */
    readonly detail: string = message,
  ) {
    super(message);
  }

  /** errors.NewBadRequest(msg). */
  static badRequest(message: string): PatchError {
    return new PatchError(400, 'BadRequest', message);
  }

  /**
   * errors.NewGenericServerResponse(422, …, isUnexpectedResponse=false):
   * kube-apiserver drops `detail` from the response and says only this.
   */
  static unprocessable(detail: string): PatchError {
    return new PatchError(422, 'Invalid', 'the server rejected our request due to an error in our request', detail);
  }

  /** errors.NewRequestEntityTooLargeError(msg). */
  static tooLarge(message: string): PatchError {
    return new PatchError(413, 'RequestEntityTooLarge', `Request entity too large: ${message}`, message);
  }

  /** A plain Go error reaching the response writer: 500, reason Unknown, message verbatim. */
  static unclassified(message: string): PatchError {
    return new PatchError(500, '', message);
  }

  toStatus(): Status {
    const status: Status = {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: this.message,
      code: this.code,
    };
    if (this.reason !== '') status.reason = this.reason;
    return status;
  }
}

export type { StatusCause };
