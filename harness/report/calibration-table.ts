// Configured beside achieved link conditions, as the terminal shows them.
import type { CalibrationRow } from '../lab/calibrate.js';
import { formatNumber } from './format.js';
import { renderTextTable, type Table } from './table.js';

export function calibrationTable(rows: readonly CalibrationRow[]): Table {
  const cell = (value: number | null) => (value === null ? '-' : formatNumber(value));
  return {
    header: ['quantity', 'configured', 'achieved', 'unit'],
    rows: rows.map((r) => [r.quantity, cell(r.configured), cell(r.achieved), r.unit]),
    align: ['left', 'right', 'right', 'left'],
  };
}

export function renderCalibrationTable(rows: readonly CalibrationRow[]): string {
  return renderTextTable(calibrationTable(rows)) + '\n';
}
