// Configured beside achieved link conditions, as the terminal shows them.
import type { CalibrationRow } from '../lab/calibrate.js';

function cell(value: number | null): string {
  if (value === null) return '-';
  return Math.abs(value) >= 100 ? value.toFixed(0) : Math.abs(value) >= 10 ? value.toFixed(1) : value.toFixed(2);
}

export function renderCalibrationTable(rows: readonly CalibrationRow[]): string {
  const table = [['quantity', 'configured', 'achieved', 'unit'], ...rows.map((r) => [r.quantity, cell(r.configured), cell(r.achieved), r.unit])];
  const widths = [0, 1, 2, 3].map((c) => Math.max(...table.map((row) => (row[c] ?? '').length)));
  return table.map((row) => row.map((v, c) => (c === 0 || c === 3 ? v.padEnd(widths[c] ?? 0) : v.padStart(widths[c] ?? 0))).join('  ').trimEnd()).join('\n') + '\n';
}
