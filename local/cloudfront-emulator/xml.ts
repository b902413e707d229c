/**
 * A minimal XML reader and text escaper: enough for the small, fixed documents the CloudFront API exchanges.
 * Elements, attributes (read and ignored), character and entity references, CDATA, comments and processing
 * instructions are understood; DTDs are rejected. Namespace prefixes are dropped from element names.
 */

/** An element: its local name, its child elements and the concatenation of its own text. */
export interface XmlElement {
  readonly name: string;
  readonly children: readonly XmlElement[];
  readonly text: string;
}

export class XmlParseError extends Error {
  public constructor(message: string) {
    super(message);
    this.name = 'XmlParseError';
  }
}

const PREDEFINED_ENTITIES: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/*
 * Escapes what must be escaped in element text and attribute values, plus the line breaks an XML reader would
 * otherwise normalise (\r\n to \n) or that some readers treat as line ends (U+0085, U+2028): paths round-trip.
 */
const ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
  '\r': '&#xD;',
  '\n': '&#xA;',
  '\u0085': '&#x85;',
  '\u2028': '&#x2028;',
};

/** Escapes text for use as XML element content or a quoted attribute value. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"'\r\n\u0085\u2028]/g, (ch) => ESCAPES[ch] ?? ch);
}

/**
 * Replaces character references (`&#233;`, `&#xE9;`) and the five predefined entities.
 *
 * @throws XmlParseError on an unknown entity, a reference to an invalid code point, or a bare `&`
 */
export function decodeXmlEntities(text: string): string {
  return text.replace(/&([^;&]*);?/g, (match, ref: string) => {
    if (!match.endsWith(';')) {
      throw new XmlParseError(`Unterminated entity reference "${match.slice(0, 20)}"`);
    }
    if (ref.startsWith('#')) {
      const codePoint = /^#x[0-9a-fA-F]{1,6}$/.test(ref)
        ? Number.parseInt(ref.slice(2), 16)
        : /^#[0-9]{1,7}$/.test(ref)
          ? Number.parseInt(ref.slice(1), 10)
          : Number.NaN;
      if (!isXmlChar(codePoint)) {
        throw new XmlParseError(`Invalid character reference "${match}"`);
      }
      return String.fromCodePoint(codePoint);
    }
    const value = PREDEFINED_ENTITIES[ref];
    if (value === undefined) {
      throw new XmlParseError(`Unknown entity "${match}"`);
    }
    return value;
  });
}

function isXmlChar(cp: number): boolean {
  return (
    cp === 0x9 ||
    cp === 0xa ||
    cp === 0xd ||
    (cp >= 0x20 && cp <= 0xd7ff) ||
    (cp >= 0xe000 && cp <= 0xfffd) ||
    (cp >= 0x10000 && cp <= 0x10ffff)
  );
}

/**
 * Parses a document into its root element.
 *
 * @throws XmlParseError when the text is not well-formed
 */
export function parseXml(source: string): XmlElement {
  return new Reader(source.replace(/\r\n?/g, '\n')).document();
}

/** The first child element with that name, if any. */
export function childElement(parent: XmlElement, name: string): XmlElement | undefined {
  return parent.children.find((child) => child.name === name);
}

const NAME = /[A-Za-z_:][-A-Za-z0-9_.:]*/y;
const ATTRIBUTE = /\s+[A-Za-z_:][-A-Za-z0-9_.:]*\s*=\s*("[^"<]*"|'[^'<]*')/y;

class Reader {
  private readonly src: string;
  private pos = 0;

  public constructor(src: string) {
    this.src = src;
  }

  public document(): XmlElement {
    this.skipMisc();
    if (this.src[this.pos] !== '<') {
      throw new XmlParseError('No root element');
    }
    const root = this.element();
    this.skipMisc();
    if (this.pos < this.src.length) {
      throw new XmlParseError('Content after the root element');
    }
    return root;
  }

  /** Skips whitespace, the XML declaration, processing instructions and comments outside the root. */
  private skipMisc(): void {
    for (;;) {
      while (this.pos < this.src.length && ' \t\n'.includes(this.src[this.pos] ?? '')) this.pos++;
      if (this.src.startsWith('<?', this.pos)) this.skipPast('?>');
      else if (this.src.startsWith('<!--', this.pos)) this.skipPast('-->');
      else if (this.src.startsWith('<!', this.pos)) throw new XmlParseError('DTDs are not supported');
      else return;
    }
  }

  private skipPast(terminator: string): string {
    const end = this.src.indexOf(terminator, this.pos);
    if (end < 0) throw new XmlParseError(`Missing "${terminator}"`);
    const skipped = this.src.slice(this.pos, end);
    this.pos = end + terminator.length;
    return skipped;
  }

  private name(): string {
    NAME.lastIndex = this.pos;
    const match = NAME.exec(this.src);
    if (!match) throw new XmlParseError(`Expected a name at offset ${this.pos}`);
    this.pos = NAME.lastIndex;
    return match[0];
  }

  private element(): XmlElement {
    this.pos++; // '<'
    const qualifiedName = this.name();
    for (;;) {
      ATTRIBUTE.lastIndex = this.pos;
      const attribute = ATTRIBUTE.exec(this.src);
      if (!attribute) break;
      decodeXmlEntities(attribute[1] ?? ''); // validate; attribute values (xmlns) are not needed
      this.pos = ATTRIBUTE.lastIndex;
    }
    while (' \t\n'.includes(this.src[this.pos] ?? 'x')) this.pos++;
    const name = localName(qualifiedName);
    if (this.src.startsWith('/>', this.pos)) {
      this.pos += 2;
      return { name, children: [], text: '' };
    }
    if (this.src[this.pos] !== '>') throw new XmlParseError(`Malformed start tag <${qualifiedName}>`);
    this.pos++;

    const children: XmlElement[] = [];
    let text = '';
    for (;;) {
      const lt = this.src.indexOf('<', this.pos);
      if (lt < 0) throw new XmlParseError(`Missing end tag </${qualifiedName}>`);
      const chunk = this.src.slice(this.pos, lt);
      if (chunk.includes(']]>')) throw new XmlParseError('"]]>" in text');
      text += decodeXmlEntities(chunk);
      this.pos = lt;
      if (this.src.startsWith('</', this.pos)) {
        this.pos += 2;
        const closing = this.name();
        while (' \t\n'.includes(this.src[this.pos] ?? 'x')) this.pos++;
        if (closing !== qualifiedName || this.src[this.pos] !== '>') {
          throw new XmlParseError(`Mismatched end tag </${closing}> for <${qualifiedName}>`);
        }
        this.pos++;
        return { name, children, text };
      }
      if (this.src.startsWith('<![CDATA[', this.pos)) {
        this.pos += 9;
        text += this.skipPast(']]>');
      } else if (this.src.startsWith('<!--', this.pos)) {
        this.skipPast('-->');
      } else if (this.src.startsWith('<?', this.pos)) {
        this.skipPast('?>');
      } else if (this.src.startsWith('<!', this.pos)) {
        throw new XmlParseError('Unexpected markup declaration');
      } else {
        children.push(this.element());
      }
    }
  }
}

function localName(qualifiedName: string): string {
  const colon = qualifiedName.indexOf(':');
  return colon < 0 ? qualifiedName : qualifiedName.slice(colon + 1);
}
