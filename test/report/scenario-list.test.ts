import t from 'tap';
import { renderScenarioList } from '../../harness/report/scenario-list.js';
import { CALIBRATION, SCENARIOS } from '../../scenarios/index.js';

t.test('columns as wide as the longest name and abbreviation', async (t) => {
  t.equal(
    renderScenarioList([
      { name: 'handshake', abbreviation: 'HS', description: 'time to first byte' },
      { name: 'certificate-size', abbreviation: 'CERT', description: 'chains' },
    ]),
    ['handshake         HS    time to first byte', 'certificate-size  CERT  chains', ''].join('\n'),
  );
  t.equal(renderScenarioList([]), '');
});

t.test('every scenario lines up, whatever its name', async (t) => {
  const lines = renderScenarioList([...SCENARIOS, CALIBRATION])
    .trimEnd()
    .split('\n');
  const starts = lines.map((line, i) => line.indexOf([...SCENARIOS, CALIBRATION][i]?.description ?? '\u0000'));
  t.equal(new Set(starts).size, 1, 'descriptions start in one column');
});
