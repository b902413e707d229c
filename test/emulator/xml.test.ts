/** The emulator's XML reader and escaper, without a server. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeXmlEntities, escapeXml, parseXml, XmlParseError } from '../../local/cloudfront-emulator/index.ts';

describe('escapeXml', () => {
  it('escapes the five markup characters and the line breaks a reader would normalise', () => {
    // Act
    const escaped = escapeXml(`a&b<c>d"e'f\rg\nh\u0085i\u2028j`);

    // Assess
    expect(escaped).toBe('a&amp;b&lt;c&gt;d&quot;e&apos;f&#xD;g&#xA;h&#x85;i&#x2028;j');
  });

  it('round-trips any text through parseXml', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 64 }), (text) => parseXml(`<Path>${escapeXml(text)}</Path>`).text === text),
      { numRuns: 300 },
    );
  });
});

describe('decodeXmlEntities', () => {
  it('decodes predefined entities and decimal and hex character references, astral ones included', () => {
    // Act / Assess
    expect(decodeXmlEntities('&amp;&lt;&gt;&quot;&apos;&#233;&#xE9;&#x1F600;&#128512;')).toBe(`&<>"'éé\u{1F600}\u{1F600}`);
  });

  it.each([
    ['an unknown entity', '&nbsp;'],
    ['a bare ampersand', 'a & b'],
    ['an unterminated reference', '&amp'],
    ['a reference to NUL', '&#0;'],
    ['a reference to a surrogate', '&#xD800;'],
    ['a reference beyond Unicode', '&#x110000;'],
  ])('rejects %s', (_, text) => {
    // Act / Assess
    expect(() => decodeXmlEntities(text)).toThrow(XmlParseError);
  });
});

describe('parseXml', () => {
  it('builds the element tree, dropping prefixes, attributes, comments and whitespace-only text', () => {
    // Act
    const root = parseXml(
      '<?xml version="1.0"?>\r\n<a:Root xmlns:a="urn:x" b="1"><!-- c --><Child>one</Child>\n  <Child/><Other x=\'&amp;\'>t<![CDATA[<raw>]]></Other></a:Root>',
    );

    // Assess
    expect(root).toStrictEqual({
      name: 'Root',
      text: '\n  ',
      children: [
        { name: 'Child', text: 'one', children: [] },
        { name: 'Child', text: '', children: [] },
        { name: 'Other', text: 't<raw>', children: [] },
      ],
    });
  });

  it('normalises raw CRLF to LF, as XML readers do', () => {
    // Act / Assess
    expect(parseXml('<P>a\r\nb\rc</P>').text).toBe('a\nb\nc');
  });

  it.each([
    ['an empty document', ''],
    ['text only', 'hello'],
    ['an unclosed element', '<A><B></B>'],
    ['mismatched tags', '<A></B>'],
    ['two roots', '<A/><B/>'],
    ['a DTD', '<!DOCTYPE A [<!ENTITY x "y">]><A>&x;</A>'],
    ['a broken start tag', '<A b=></A>'],
    ['"]]>" in text', '<A>]]></A>'],
  ])('rejects %s', (_, source) => {
    // Act / Assess
    expect(() => parseXml(source)).toThrow(XmlParseError);
  });
});
