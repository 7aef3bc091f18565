// One table model, two renderings: padded columns for the terminal, pipes for Markdown.
// Numbers are right-aligned in both.

export interface Table {
  header: string[];
  rows: string[][];
  /** Per column; default: the first column left, the others right. */
  align?: Array<'left' | 'right'>;
}

function alignOf(table: Table, column: number): 'left' | 'right' {
  return table.align?.[column] ?? (column === 0 ? 'left' : 'right');
}

export function renderTextTable(table: Table): string {
  const all = [table.header, ...table.rows];
  const widths = table.header.map((_, column) => Math.max(...all.map((row) => (row[column] ?? '').length)));
  return all
    .map((row) =>
      row
        .map((cell, column) => (alignOf(table, column) === 'left' ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

function markdownCell(cell: string): string {
  return cell.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

export function renderMarkdownTable(table: Table): string {
  const line = (cells: string[]) => `| ${cells.map(markdownCell).join(' | ')} |`;
  const rule = table.header.map((_, column) => (alignOf(table, column) === 'left' ? ':---' : '---:'));
  return [line(table.header), `| ${rule.join(' | ')} |`, ...table.rows.map(line)].join('\n');
}
