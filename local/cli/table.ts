/**
 * Plain-text tables for the terminal: a header row, columns padded to their widest cell, two spaces apart.
 * Cells are single-line: control characters become spaces.
 */
export function formatTable(headers: readonly string[], rows: ReadonlyArray<readonly string[]>): string[] {
  const clean = (cell: string) => cell.replace(/[\u0000-\u001f\u007f]+/g, ' ');
  const all = [headers, ...rows].map((row) => row.map(clean));
  const widths = headers.map((_, column) => Math.max(...all.map((row) => (row[column] ?? '').length)));
  return all.map((row) =>
    row
      .map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column] ?? 0)))
      .join('  ')
      .trimEnd(),
  );
}

/** At most `max` characters, with an ellipsis when cut. */
export function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** An ISO timestamp without milliseconds (UTC), or '-' when unknown. */
export function isoSeconds(date: Date | undefined): string {
  if (date === undefined || Number.isNaN(date.getTime())) return '-';
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
