// The one error type every patch function throws. It carries exactly what
// kube-apiserver would answer and is an ApiError, so the HTTP layer renders
// it like any other API failure without knowing which patch flavour failed.
import type { Status } from '../../api/types.js';
import { ApiError } from '../errors.js';

/** 413 only for JSON patches with more operations than kube-apiserver allows. */
export type PatchErrorCode = 400 | 413 | 422 | 500;

/**
 * Kubernetes' StatusReason for each way a patch can fail. The empty string is
 * StatusReasonUnknown: kube-apiserver uses it for plain Go errors that were
 * never wrapped in a StatusError, which is the case for most strategic merge
 * patch failures.
 */
export type PatchErrorReason = 'BadRequest' | 'Invalid' | 'RequestEntityTooLarge' | '';

export class PatchError extends ApiError {
  declare readonly code: PatchErrorCode;
  declare readonly reason: PatchErrorReason;

  constructor(
    code: PatchErrorCode,
    reason: PatchErrorReason,
    /** Exactly the Status message kube-apiserver sends. */
    message: string,
    /**
     * What actually went wrong. Usually equal to `message`, but for 422s
     * kube-apiserver replaces the text with a generic sentence, so the
     * specifics survive only here (useful for logs).
     */
    readonly detail: string = message,
  ) {
    super(code, reason, message);
    this.name = 'PatchError';
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

  /** Kubernetes omits an empty (Unknown) reason from the Status. */
  override toStatus(): Status {
    const status = super.toStatus();
    if (this.reason === '') delete status.reason;
    return status;
  }
}
