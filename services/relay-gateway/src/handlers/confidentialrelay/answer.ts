import { ErrorCode, errorCodeName, errorResponse, type JsonRpcId, type JsonRpcResponse, toJsonRpcCode } from "@gatehouse/relay";
import type { UserCallbackPayload } from "../common/callback.js";

/**
 * The agreed node response as the caller gets it: the caller's id with its JSON type (the nodes
 * saw its text), and an error's `data` present (null when the nodes gave none).
 */
export function answerFor(clientId: JsonRpcId, agreed: JsonRpcResponse | undefined): JsonRpcResponse | undefined {
  if (!agreed) return agreed;
  const answer: JsonRpcResponse = { ...agreed, id: clientId };
  if (agreed.error) answer.error = { ...agreed.error, data: agreed.error.data ?? null };
  return answer;
}

/** Wire sanitisation (as Chainlink's gateway `api` package): fixed prefixes, and encoding failures hidden behind the code name. */
export function sanitize(code: ErrorCode, message: string): string {
  switch (code) {
    case ErrorCode.NodeResponseEncodingError:
      return errorCodeName(code);
    case ErrorCode.InvalidParamsError:
      return `invalid params error: ${message}`;
    case ErrorCode.UnsupportedMethodError:
      return `unsupported method: ${message}`;
    case ErrorCode.UserMessageParseError:
      return `user message parse error: ${message}`;
    default:
      return message;
  }
}

/** A gateway error as the caller gets it: a JSON-RPC error response with the sanitised message. */
export function errorPayload(id: JsonRpcId, code: ErrorCode, message: string): UserCallbackPayload {
  return { rawResponse: JSON.stringify(errorResponse(id, toJsonRpcCode(code), sanitize(code, message))), errorCode: code };
}
