// The public API of the RFC 6455 codec (sans-I/O, pure TypeScript; shared by server and web).

export type {
  Direction,
  FieldLayout,
  FieldName,
  Frame,
  FrameJson,
  FrameSpec,
  Incomplete,
  ReaderOptions,
  Violation,
  ViolationCloseCode,
  ViolationKind,
  WireEvent,
  WireReader,
} from './types.ts';

export { createReader } from './reader.ts';
export { FrameDecoder, unmaskInPlace } from './decoder.ts';
export { MessageValidator, DEFAULT_MAX_PAYLOAD, type FrameRules, type ValidatorOptions } from './validator.ts';
export { MessageAssembler, type WireMessage } from './message.ts';
export {
  OPCODES,
  CLOSE_CODES,
  opcodeName,
  isControlOpcode,
  isKnownOpcode,
  describeCloseCode,
  isSendableCloseCode,
  type CloseCodeInfo,
} from './constants.ts';
export { frameToJson, formatFrame, frameFields, parseClosePayload, type ClosePayload } from './format.ts';
export { encodeFrame, frameHeader, writeFrameHeader, concatBytes, closePayload } from './encoder.ts';
export {
  computeAccept,
  sha1,
  base64,
  WEBSOCKET_GUID,
  headerValue,
  validateUpgradeRequest,
  validateUpgradeResponse,
  parseExtensions,
  parseExtensionsStrict,
  parseProtocols,
  type ExtensionOffer,
  type HandshakeCheck,
  type Headers,
} from './handshake.ts';
export {
  PERMESSAGE_DEFLATE,
  DEFLATE_TAIL,
  withDeflateTail,
  parsePerMessageDeflateParams,
  negotiatedPerMessageDeflate,
  type Inflater,
  type PerMessageDeflateParams,
} from './deflate.ts';
export { parseHex, toHex, type ParseHexResult } from './hex.ts';
export { Utf8Validator, firstInvalidUtf8, decodeUtf8Lossy } from './utf8.ts';
