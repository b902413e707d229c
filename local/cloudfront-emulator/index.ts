export { CloudFrontEmulator, startCloudFrontEmulator } from './cloudfront-emulator.ts';
export { CloudFrontApiError, type ErrorType } from './errors.ts';
export { FaultInjector } from './fault-injector.ts';
export { mulberry32 } from './random.ts';
export { isValidPath, isWildcardPath } from './rules.ts';
export { escapeXml, decodeXmlEntities, parseXml, XmlParseError, type XmlElement } from './xml.ts';
export type {
  CloudFrontEmulatorOptions,
  EmulatorLogger,
  EmulatorStats,
  FaultKind,
  FaultOptions,
  InvalidationBatchInput,
  InvalidationRecord,
  InvalidationStatus,
  OperationName,
  RequestRecord,
  TenantOptions,
} from './types.ts';
