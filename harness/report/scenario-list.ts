// `--list`: one scenario a line, the name and abbreviation columns as wide as the longest.

export interface ListedScenario {
  name: string;
  abbreviation: string;
  description: string;
}

export function renderScenarioList(scenarios: readonly ListedScenario[]): string {
  const nameWidth = Math.max(0, ...scenarios.map((s) => s.name.length));
  const abbreviationWidth = Math.max(0, ...scenarios.map((s) => s.abbreviation.length));
  return scenarios.map((s) => `${s.name.padEnd(nameWidth)}  ${s.abbreviation.padEnd(abbreviationWidth)}  ${s.description}\n`).join('');
}
