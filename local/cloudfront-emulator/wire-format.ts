/**
 * The CloudFront 2020-05-31 documents the emulator reads and writes: InvalidationBatch in, Invalidation,
 * InvalidationList and ErrorResponse out. Element order follows the API model, so the SDK and strict readers
 * see what CloudFront sends.
 */
import { XML_NAMESPACE } from './constants.ts';
import { CloudFrontApiError, malformedInput, missingBody } from './errors.ts';
import type { InvalidationBatchInput, InvalidationRecord } from './types.ts';
import { childElement, escapeXml, parseXml, XmlParseError, type XmlElement } from './xml.ts';

const PROLOG = '<?xml version="1.0"?>\n';

/**
 * Reads a CreateInvalidation request body. Checks only the document's structure; the CloudFront rules
 * (quantities, path syntax, limits) are `rules.ts`' job.
 *
 * @throws CloudFrontApiError `MissingBody` for an empty body, `MalformedInput` for anything not an InvalidationBatch
 */
export function parseInvalidationBatch(body: string): InvalidationBatchInput {
  if (body.trim() === '') throw missingBody();
  let root: XmlElement;
  try {
    root = parseXml(body);
  } catch (error) {
    if (error instanceof XmlParseError) throw malformedInput(`The request body is not well-formed XML: ${error.message}.`);
    throw error;
  }
  if (root.name !== 'InvalidationBatch') {
    throw malformedInput(`Expected an InvalidationBatch document, got <${root.name}>.`);
  }
  const paths = required(root, 'Paths');
  const quantityText = required(paths, 'Quantity').text.trim();
  if (!/^-?[0-9]{1,9}$/.test(quantityText)) {
    throw malformedInput(`Paths/Quantity must be an integer (given "${quantityText.slice(0, 30)}").`);
  }
  const items = childElement(paths, 'Items')?.children ?? [];
  const pathValues = items.map((item) => {
    if (item.name !== 'Path' || item.children.length > 0) throw malformedInput('Paths/Items may hold only Path elements.');
    return item.text;
  });
  return {
    quantity: Number(quantityText),
    paths: pathValues,
    callerReference: required(root, 'CallerReference').text,
  };
}

function required(parent: XmlElement, name: string): XmlElement {
  const element = childElement(parent, name);
  if (!element) throw malformedInput(`${parent.name} must contain a ${name} element.`);
  return element;
}

/** The Invalidation document of CreateInvalidation and GetInvalidation responses. */
export function invalidationDocument(invalidation: InvalidationRecord): string {
  return (
    `${PROLOG}<Invalidation xmlns="${XML_NAMESPACE}">` +
    element('Id', invalidation.id) +
    element('Status', invalidation.status) +
    element('CreateTime', invalidation.createTime.toISOString()) +
    '<InvalidationBatch><Paths>' +
    element('Quantity', String(invalidation.paths.length)) +
    (invalidation.paths.length > 0 ? `<Items>${invalidation.paths.map((path) => element('Path', path)).join('')}</Items>` : '') +
    '</Paths>' +
    element('CallerReference', invalidation.callerReference) +
    '</InvalidationBatch></Invalidation>'
  );
}

/** The DistributionTenant document of GetDistributionTenantByDomain (the fields the emulator knows). */
export function distributionTenantDocument(tenant: { readonly id: string; readonly distributionId: string; readonly domains: readonly string[] }): string {
  return (
    `${PROLOG}<DistributionTenant xmlns="${XML_NAMESPACE}">` +
    element('Id', tenant.id) +
    element('DistributionId', tenant.distributionId) +
    element('Name', tenant.id) +
    element('Arn', `arn:aws:cloudfront::123456789012:distribution-tenant/${tenant.id}`) +
    // Items named <member>: the service model (the JavaScript SDK's and botocore's) gives DomainResultList's members
    // no name of their own, so both SDKs read <member>; the API Reference's page shows <DomainResult>.
    `<Domains>${tenant.domains.map((domain) => `<member>${element('Domain', domain)}${element('Status', 'active')}</member>`).join('')}</Domains>` +
    element('Enabled', 'true') +
    element('Status', 'Deployed') +
    '</DistributionTenant>'
  );
}

/** One page of ListInvalidations. */
export interface InvalidationPage {
  /** The Marker the request gave, or '' for the first page. */
  readonly marker: string;
  /** Present when `isTruncated`: the id of the page's last invalidation. */
  readonly nextMarker?: string;
  readonly maxItems: number;
  readonly isTruncated: boolean;
  readonly items: readonly InvalidationRecord[];
}

/** The InvalidationList document of ListInvalidations responses. Items is left out when the page is empty. */
export function invalidationListDocument(page: InvalidationPage): string {
  const summaries = page.items
    .map(
      (item) =>
        '<InvalidationSummary>' +
        element('Id', item.id) +
        element('CreateTime', item.createTime.toISOString()) +
        element('Status', item.status) +
        '</InvalidationSummary>',
    )
    .join('');
  return (
    `${PROLOG}<InvalidationList xmlns="${XML_NAMESPACE}">` +
    element('Marker', page.marker) +
    (page.nextMarker === undefined ? '' : element('NextMarker', page.nextMarker)) +
    element('MaxItems', String(page.maxItems)) +
    element('IsTruncated', String(page.isTruncated)) +
    element('Quantity', String(page.items.length)) +
    (page.items.length > 0 ? `<Items>${summaries}</Items>` : '') +
    '</InvalidationList>'
  );
}

/** CloudFront's error document; the SDK reads Error/Code for the exception name and RequestId for `$metadata`. */
export function errorDocument(error: CloudFrontApiError, requestId: string): string {
  return (
    `${PROLOG}<ErrorResponse xmlns="${XML_NAMESPACE}"><Error>` +
    element('Type', error.type) +
    element('Code', error.code) +
    element('Message', error.message) +
    `</Error>${element('RequestId', requestId)}</ErrorResponse>`
  );
}

function element(name: string, text: string): string {
  return `<${name}>${escapeXml(text)}</${name}>`;
}
