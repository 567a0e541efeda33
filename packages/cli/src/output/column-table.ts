/**
 * Column layout of Vault's tables (the `columnize` rules): cells are trimmed, an empty cell
 * shows `n/a`, every column but the last is padded to its widest cell, columns are glued with
 * four spaces.
 */
export function formatColumns(rows: readonly (readonly string[])[]): string {
  const cells = rows.map((row) =>
    row.map((cell) => {
      const trimmed = cell.trim();
      return trimmed === '' ? 'n/a' : trimmed;
    }),
  );
  const widths: number[] = [];
  for (const row of cells) {
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, displayWidth(cell));
    });
  }
  return cells
    .map((row) =>
      row
        .map((cell, i) =>
          i === row.length - 1 ? cell : cell + ' '.repeat((widths[i] ?? 0) - displayWidth(cell)),
        )
        .join('    '),
    )
    .join('\n');
}

/** A table whose first row is the header, underlined with dashes (`Key  Value` / `---  -----`). */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const underline = header.map((h) => '-'.repeat(h.trim().length));
  return formatColumns([header, underline, ...rows]);
}

function displayWidth(text: string): number {
  return Array.from(text).length;
}
