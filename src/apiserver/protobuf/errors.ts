// A request body that claims to be Kubernetes protobuf but isn't. It is an
// ApiError, so the HTTP layer renders it as kube-apiserver would: 400 BadRequest.
import { ApiError } from '../errors.js';

export class ProtobufDecodeError extends ApiError {
  constructor(message: string) {
    super(400, 'BadRequest', message);
    this.name = 'ProtobufDecodeError';
  }
}
