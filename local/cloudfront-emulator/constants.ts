/** The CloudFront API version the emulator speaks, as it appears in every request path. */
export const API_VERSION = '2020-05-31';

/** The XML namespace of every CloudFront 2020-05-31 request and response document. */
export const XML_NAMESPACE = `http://cloudfront.amazonaws.com/doc/${API_VERSION}/`;

/** The host CloudFront puts in `Location` headers; the emulator mirrors it so clients see the real shape. */
export const LOCATION_ORIGIN = 'https://cloudfront.amazonaws.com';

/** ListInvalidations page size when the request has no MaxItems (CloudFront's and moto's default). */
export const DEFAULT_LIST_MAX_ITEMS = 100;

/**
 * Largest request body the emulator reads. A full legal batch (3,000 paths of 4,000 characters) is about 12 MB;
 * anything far beyond that is not a CloudFront request.
 */
export const MAX_REQUEST_BODY_BYTES = 32 * 1024 * 1024;

/**
 * The loopback address the emulator binds to; it never listens on other interfaces. Local mode's SQS server binds
 * to it too, and `cfiq` reaches `*.localhost` queue URLs at it.
 */
export const LOOPBACK_HOST = '127.0.0.1';
