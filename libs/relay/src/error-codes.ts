/** The gateway's error codes (Chainlink `core/services/gateway/api/constants.go`), in their wire order. */
export enum ErrorCode {
  NoError = 0,
  UserMessageParseError = 1,
  UnsupportedDONIdError = 2,
  HandlerError = 3,
  RequestTimeoutError = 4,
  NodeResponseEncodingError = 5,
  FatalError = 6,
  UnsupportedMethodError = 7,
  InvalidParamsError = 8,
  StaleNodeResponseError = 9,
  ConflictError = 10,
  LimitExceededError = 11,
}

/** JSON-RPC 2.0 error codes used on the wire. */
export const JsonRpcCode = {
  parse: -32700,
  invalidRequest: -32600,
  methodNotFound: -32601,
  invalidParams: -32602,
  internal: -32603,
  serverOverloaded: -32000,
  unknown: -32001,
  limitExceeded: -32002,
  conflict: -32003,
} as const;

export function errorCodeName(code: ErrorCode): string {
  return ErrorCode[code] ?? "UnknownError";
}

export function toJsonRpcCode(code: ErrorCode): number {
  switch (code) {
    case ErrorCode.NoError:
      return 0;
    case ErrorCode.UserMessageParseError:
      return JsonRpcCode.parse;
    case ErrorCode.UnsupportedDONIdError:
    case ErrorCode.InvalidParamsError:
      return JsonRpcCode.invalidParams;
    case ErrorCode.HandlerError:
      return JsonRpcCode.invalidRequest;
    case ErrorCode.RequestTimeoutError:
      return JsonRpcCode.serverOverloaded;
    case ErrorCode.UnsupportedMethodError:
      return JsonRpcCode.methodNotFound;
    case ErrorCode.ConflictError:
      return JsonRpcCode.conflict;
    case ErrorCode.LimitExceededError:
      return JsonRpcCode.limitExceeded;
    default:
      return JsonRpcCode.internal;
  }
}

export function toHttpStatus(code: ErrorCode): number {
  switch (code) {
    case ErrorCode.NoError:
      return 200;
    case ErrorCode.UserMessageParseError:
    case ErrorCode.UnsupportedDONIdError:
    case ErrorCode.InvalidParamsError:
    case ErrorCode.HandlerError:
    case ErrorCode.UnsupportedMethodError:
      return 400;
    case ErrorCode.RequestTimeoutError:
      return 504;
    case ErrorCode.ConflictError:
      return 409;
    case ErrorCode.LimitExceededError:
      return 429;
    default:
      return 500;
  }
}

export function fromJsonRpcCode(code: number): ErrorCode {
  switch (code) {
    case 0:
      return ErrorCode.NoError;
    case JsonRpcCode.parse:
      return ErrorCode.UserMessageParseError;
    case JsonRpcCode.invalidParams:
      return ErrorCode.InvalidParamsError;
    case JsonRpcCode.invalidRequest:
      return ErrorCode.HandlerError;
    case JsonRpcCode.serverOverloaded:
      return ErrorCode.RequestTimeoutError;
    case JsonRpcCode.methodNotFound:
      return ErrorCode.UnsupportedMethodError;
    case JsonRpcCode.limitExceeded:
      return ErrorCode.LimitExceededError;
    case JsonRpcCode.conflict:
      return ErrorCode.ConflictError;
    default:
      return ErrorCode.FatalError;
  }
}
